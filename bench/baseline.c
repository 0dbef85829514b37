/* The baseline: a no-logic OpenFlow 1.3 responder that answers every
 * PACKET_IN with one fixed ARP-reply PACKET_OUT to the ingress port, with
 * batched I/O (64 KiB reads, one write per connection per loop).  It is
 * what the machine can do with no model, no validation and no lookups;
 * bench/compare.sh reports vxfabricd's throughput as a fraction of it.
 *
 *   baseline PORT [FRAME_BYTES]     (listens on 127.0.0.1)
 *
 * FRAME_BYTES (60 to 1500, default 60) pads the fixed frame: 342 is the
 * size of vxfabricd's DHCP OFFER and ACK (a 300-byte BOOTP message), so
 * 'baseline PORT 342' under a DHCP load is the no-logic ceiling for DHCP:
 * the same packet-ins in, replies of the same size out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "proto/ofp_msgs.h"
#include "proto/ofp_packet.h"

struct peer {
    int fd;
    struct vxbuf rbuf, obuf;
};

static const uint8_t fixed_reply[1500] = {   /* zeros past the ARP reply */
    0x02, 0, 0, 0, 0, 1,  0x02, 0, 0, 0, 0, 2,  0x08, 0x06,
    0, 1, 8, 0, 6, 4, 0, 2,  0x02, 0, 0, 0, 0, 2,  198, 51, 100, 2,
    0x02, 0, 0, 0, 0, 1,  198, 51, 100, 1,
};

static size_t reply_size = 60;

static void handle(struct peer *p, const uint8_t *msg, size_t size)
{
    switch (msg[1]) {
    case OFPT_ECHO_REQUEST:
        ofp_put_echo_reply(&p->obuf, msg, size);
        break;
    case OFPT_PACKET_IN: {
        /* in_port: the first OXM of the match, which OVS and vxbench send first. */
        uint32_t in_port = size >= 36 ? get_be32(msg + 32) : 1;
        ofp_put_packet_out(&p->obuf, 0, OFPP_CONTROLLER, in_port, fixed_reply, reply_size);
        break;
    }
    default:
        break;
    }
}

int main(int argc, char **argv)
{
    struct sockaddr_in sin = { .sin_family = AF_INET };
    struct epoll_event evs[256];
    int one = 1;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: baseline PORT [FRAME_BYTES]\n");
        return 2;
    }
    if (argc == 3) {
        reply_size = (size_t)atoi(argv[2]);
        if (reply_size < 60 || reply_size > sizeof fixed_reply) {
            fprintf(stderr, "baseline: FRAME_BYTES must be 60 to %zu\n", sizeof fixed_reply);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    sin.sin_port = htons((uint16_t)atoi(argv[1]));
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) || listen(lfd, 1024)) {
        perror("baseline: listen");
        return 1;
    }
    int epfd = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
    for (;;) {
        int n = epoll_wait(epfd, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            struct peer *p = evs[i].data.ptr;
            if (!p) {
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    p = calloc(1, sizeof *p);
                    p->fd = fd;
                    vxbuf_init(&p->rbuf, 65536 * 2);
                    vxbuf_init(&p->obuf, 65536);
                    ofp_put_hello(&p->obuf, 1);
                    ofp_put_features_request(&p->obuf, 2);
                    struct epoll_event pev = { .events = EPOLLIN, .data.ptr = p };
                    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &pev);
                }
                continue;
            }
            vxbuf_reserve(&p->rbuf, 65536);
            ssize_t r = read(p->fd, vxbuf_tail(&p->rbuf), 65536);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN) continue;
                epoll_ctl(epfd, EPOLL_CTL_DEL, p->fd, NULL);
                close(p->fd);
                vxbuf_uninit(&p->rbuf);
                vxbuf_uninit(&p->obuf);
                free(p);
                continue;
            }
            p->rbuf.size += (size_t)r;
            uint8_t *m = vxbuf_data(&p->rbuf);
            size_t left = p->rbuf.size;
            int len;
            while ((len = ofp_msg_frame(m, left)) > 0) {
                handle(p, m, (size_t)len);
                m += len;
                left -= (size_t)len;
            }
            vxbuf_consume(&p->rbuf, p->rbuf.size - left);
            while (p->obuf.size) {
                ssize_t w = write(p->fd, vxbuf_data(&p->obuf), p->obuf.size);
                if (w <= 0) break;  /* a benchmark peer that stops reading is not our problem */
                vxbuf_consume(&p->obuf, (size_t)w);
            }
        }
    }
}
