/* Prints the golden table as "name<TAB>hex<TAB>expected" lines for
 * ofp_print_check.sh. */
#include <stdio.h>

#include "golden.h"

int main(void)
{
    for (size_t i = 0; i < sizeof goldens / sizeof goldens[0]; i++) {
        printf("%s\t%s\t", goldens[i].name, goldens[i].hex);
        for (const char *p = goldens[i].ofp_print; *p; p++) {
            if (*p == '\n') {
                fputs("\\n", stdout);
            } else {
                putchar(*p);
            }
        }
        putchar('\n');
    }
    return 0;
}
