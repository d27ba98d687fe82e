/* The shared library of testdata/elf's "libtw1" package (gcc -g -shared). */
int tw_add(int a, int b) { return a + b; }
int tw_mul(int a, int b) { return a * b; }
