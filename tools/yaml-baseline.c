/*
 * yaml-baseline.c - libyaml's event parser over a file, doing nothing else.
 *
 * Usage: yaml-baseline FILE. The benchmark's yardstick: vgpuc must compile and
 * check an estate in at most half the time libyaml takes to tokenize the same
 * data written as YAML. Prints the number of events (so the work is not
 * optimised away) and exits 1 on a YAML error.
 */
#include <stdio.h>
#include <yaml.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: yaml-baseline FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    yaml_parser_t p;
    yaml_event_t e;
    unsigned long events = 0;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    for (;;) {
        if (!yaml_parser_parse(&p, &e)) {
            fprintf(stderr, "%s:%zu:%zu: %s\n", argv[1], p.problem_mark.line + 1, p.problem_mark.column + 1,
                    p.problem ? p.problem : "YAML error");
            yaml_parser_delete(&p);
            fclose(f);
            return 1;
        }
        events++;
        int done = e.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&e);
        if (done)
            break;
    }
    yaml_parser_delete(&p);
    fclose(f);
    printf("%lu events\n", events);
    return 0;
}
