/* The unstripped executable of testdata/elf (built with gcc -g). */
#include <stdio.h>

static int counter;

int twice(int x) { return 2 * x; }

int main(int argc, char **argv) {
    (void)argv;
    counter += argc;
    printf("hello %d\n", twice(counter));
    return 0;
}
