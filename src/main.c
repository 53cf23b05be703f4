#include <stdio.h>
int main(void) { puts("1min-relay"); return 0; }
