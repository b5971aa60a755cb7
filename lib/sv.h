/* sv: string views (pointer + length, never assumed NUL-terminated), as nginx's ngx_str_t.
 * Parsers take kp_sv *in and advance it on success. */
#ifndef KP_SV_H
#define KP_SV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *p;
    size_t len;
} kp_sv;

#define KP_SV_ARG(v) (int)(v).len, (v).p
#define KP_SV_LIT(s) ((kp_sv){(s), sizeof(s) - 1})

kp_sv kp_sv_from(const char *s);
bool kp_sv_eq(kp_sv a, kp_sv b);
bool kp_sv_eq_str(kp_sv a, const char *s);
bool kp_sv_eq_nocase(kp_sv a, const char *s);
bool kp_sv_starts_with(kp_sv a, const char *prefix);
/* Splits *in at the first sep: *field gets what is before it, *in what is after. Returns false
 * (and *field = all of *in, *in empty) when sep is absent. */
bool kp_sv_cut(kp_sv *in, char sep, kp_sv *field);
kp_sv kp_sv_trim(kp_sv a);
/* Parses a whole decimal integer in [min, max]; KP_EBADREQUEST otherwise. */
int kp_parse_i64(int64_t *out, kp_sv in, int64_t min, int64_t max);
/* A Go duration ("10m", "1h30m", "500ms", "45s"; units ns us ms s m h) in milliseconds,
 * in [0, max_ms]; KP_EBADREQUEST otherwise. */
int kp_parse_duration_ms(int64_t *out, kp_sv in, int64_t max_ms);
/* Go's strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False. */
int kp_parse_bool(bool *out, kp_sv in);

#endif
