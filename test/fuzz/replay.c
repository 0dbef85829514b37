/* Replays fuzz corpora through a fuzz target without libFuzzer, so the
 * normal test run (gcc, and the ASan/UBSan build) checks every input.
 * Each input runs in a child process: one that crashes, aborts (a failed
 * oracle) or exits non-zero is reported by name and counted, and the rest
 * still run.  Usage: replay DIR_OR_FILE...  Prints "N passed, M failed"
 * and exits 1 if M > 0. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n_run, n_failed;

/* Runs one input in this process. */
static void run_input(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(size > 0 ? (size_t)size : 1);
    size_t n = fread(buf, 1, (size_t)size, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
}

/* Runs one input in a child and counts the outcome. */
static void run_file(const char *path)
{
    int status;

    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (!pid) {
        run_input(path);
        exit(0);                /* with LeakSanitizer's check, if built in */
    }
    n_run++;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
        n_failed++;
        fprintf(stderr, "replay: FAILED %s (%s %d)\n", path,
                WIFSIGNALED(status) ? "signal" : "exit status",
                WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    }
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st)) {
            perror(argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            run_file(argv[i]);
            continue;
        }
        DIR *d = opendir(argv[i]);
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') {
                continue;
            }
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            run_file(path);
        }
        closedir(d);
    }
    if (!n_run) {
        fprintf(stderr, "replay: no inputs\n");
        return 1;
    }
    printf("replay: %d passed, %d failed\n", n_run - n_failed, n_failed);
    return n_failed ? 1 : 0;
}
