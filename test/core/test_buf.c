/* core/buf: the checked TLV pull shared by the OpenFlow and DHCP decoders,
 * and the n-byte big-endian helpers. */
#include <criterion/criterion.h>

#include "core/buf.h"

static const struct vxtlv_format of_fmt = {
    .hdr_size = 4, .len_ofs = 2, .len_size = 2, .len_includes_hdr = true, .align = 8,
};
static const struct vxtlv_format dhcp_fmt = {
    .hdr_size = 2, .len_ofs = 1, .len_size = 1, .len_includes_hdr = false, .align = 1,
};

Test(tlv, pulls_consecutive_elements)
{
    const uint8_t b[] = { 0, 1, 0, 8, 1, 2, 3, 4,  0, 2, 0, 16, 0, 0, 0, 0,
                          9, 9, 9, 9, 9, 9, 9, 9 };
    struct vxcur c = vxcur_make(b, sizeof b);
    struct vxtlv t;

    cr_assert(vxcur_pull_tlv(&c, &of_fmt, &t));
    cr_assert_eq(t.hdr, b);
    cr_assert_eq(t.size, 8);
    cr_assert_eq(t.value_len, 4);
    cr_assert_eq(t.value[0], 1);
    cr_assert(vxcur_pull_tlv(&c, &of_fmt, &t));
    cr_assert_eq(t.size, 16);
    cr_assert_eq(c.left, 0);
}

Test(tlv, refuses_bad_framing_without_moving)
{
    const uint8_t short_hdr[] = { 0, 1, 0 };
    const uint8_t below_hdr[] = { 0, 1, 0, 0, 0, 0, 0, 0 };
    const uint8_t unaligned[] = { 0, 1, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    const uint8_t overrun[] = { 0, 1, 0, 16, 0, 0, 0, 0 };
    const uint8_t *cases[] = { short_hdr, below_hdr, unaligned, overrun };
    const size_t sizes[] = { sizeof short_hdr, sizeof below_hdr, sizeof unaligned, sizeof overrun };

    for (size_t i = 0; i < 4; i++) {
        struct vxcur c = vxcur_make(cases[i], sizes[i]);
        struct vxtlv t;
        cr_assert_not(vxcur_pull_tlv(&c, &of_fmt, &t), "case %zu", i);
        cr_assert_eq(c.p, cases[i], "case %zu moved the cursor", i);
        cr_assert_eq(c.left, sizes[i]);
    }
}

Test(tlv, length_that_excludes_the_header)
{
    const uint8_t b[] = { 53, 1, 3, 54, 4, 10, 0, 0, 1, 55, 9 };
    struct vxcur c = vxcur_make(b, sizeof b);
    struct vxtlv t;

    cr_assert(vxcur_pull_tlv(&c, &dhcp_fmt, &t));
    cr_assert_eq(t.value_len, 1);
    cr_assert_eq(t.value[0], 3);
    cr_assert(vxcur_pull_tlv(&c, &dhcp_fmt, &t));
    cr_assert_eq(get_be32(t.value), 0x0a000001u);
    cr_assert_not(vxcur_pull_tlv(&c, &dhcp_fmt, &t), "9 bytes claimed, 0 left");
    cr_assert_eq(c.left, 2);
}

Test(be_n, round_trips_every_width)
{
    for (unsigned int n = 1; n <= 8; n++) {
        uint8_t b[8] = { 0 };
        uint64_t v = 0x0102030405060708ULL & (UINT64_MAX >> (8 * (8 - n)));
        put_be_n(b, v, n);
        cr_assert_eq(b[0], 9 - n, "width %u", n);
        cr_assert_eq(b[n - 1], 8, "width %u", n);
        cr_assert_eq(get_be_n(b, n), v, "width %u", n);
    }
}
