/* A portable test child for the CLI tests:
 *   child exit N      exits with status N
 *   child sleep S     sleeps S seconds, then exits 0
 *   child env NAME    prints the value of NAME (or "<unset>"), exits 0
 *   child abort       ends by SIGABRT (POSIX) / abnormal exit (Windows) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "exit") == 0)
        return atoi(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "sleep") == 0) {
        time_t end = time(NULL) + atoi(argv[2]);
        while (time(NULL) < end) {
            volatile unsigned long spin;
            for (spin = 0; spin < 10000000ul; spin++)
                ;
        }
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "env") == 0) {
        const char *v = getenv(argv[2]);
        printf("%s\n", v ? v : "<unset>");
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "abort") == 0) {
        raise(SIGABRT);
        return 99;
    }
    fprintf(stderr, "usage: child exit N | sleep S | env NAME | abort\n");
    return 2;
}
