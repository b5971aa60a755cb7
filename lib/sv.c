#include "lib/common.h"
#include "lib/sv.h"

#include <ctype.h>

kp_sv kp_sv_from(const char *s)
{
    return (kp_sv){s, s ? strlen(s) : 0};
}

bool kp_sv_eq(kp_sv a, kp_sv b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool kp_sv_eq_str(kp_sv a, const char *s)
{
    return kp_sv_eq(a, kp_sv_from(s));
}

bool kp_sv_eq_nocase(kp_sv a, const char *s)
{
    size_t n = strlen(s);
    if (a.len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)a.p[i]) != tolower((unsigned char)s[i]))
            return false;
    return true;
}

bool kp_sv_starts_with(kp_sv a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.len >= n && memcmp(a.p, prefix, n) == 0;
}

bool kp_sv_cut(kp_sv *in, char sep, kp_sv *field)
{
    const char *hit = in->len ? memchr(in->p, sep, in->len) : NULL;
    if (!hit) {
        *field = *in;
        in->p += in->len;
        in->len = 0;
        return false;
    }
    field->p = in->p;
    field->len = (size_t)(hit - in->p);
    in->len -= field->len + 1;
    in->p = hit + 1;
    return true;
}

kp_sv kp_sv_trim(kp_sv a)
{
    while (a.len && isspace((unsigned char)a.p[0])) {
        a.p++;
        a.len--;
    }
    while (a.len && isspace((unsigned char)a.p[a.len - 1]))
        a.len--;
    return a;
}

int kp_parse_i64(int64_t *out, kp_sv in, int64_t min, int64_t max)
{
    size_t i = 0;
    bool neg = false;
    uint64_t v = 0, lim;

    if (in.len && (in.p[0] == '-' || in.p[0] == '+')) {
        neg = in.p[0] == '-';
        i = 1;
    }
    /* no length cap: leading zeros are fine, as in Go, and the loop catches overflow */
    if (i == in.len)
        return kp_err_set(KP_EBADREQUEST, "\"%.*s\" is not an integer", KP_SV_ARG(in));
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < in.len; i++) {
        unsigned d = (unsigned)(in.p[i] - '0');
        if (d > 9)
            return kp_err_set(KP_EBADREQUEST, "\"%.*s\" is not an integer", KP_SV_ARG(in));
        if (v > (lim - d) / 10)
            return kp_err_set(KP_EBADREQUEST, "\"%.*s\" is out of range", KP_SV_ARG(in));
        v = v * 10 + d;
    }
    {
        int64_t r = neg ? (int64_t)(0 - v) : (int64_t)v;
        if (r < min || r > max)
            return kp_err_set(KP_EBADREQUEST, "%.*s is out of range [%lld, %lld]", KP_SV_ARG(in),
                              (long long)min, (long long)max);
        *out = r;
    }
    return 0;
}

int kp_parse_bool(bool *out, kp_sv in)
{
    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (size_t i = 0; i < KP_ARRAY_LEN(yes); i++) {
        if (kp_sv_eq_str(in, yes[i])) {
            *out = true;
            return 0;
        }
        if (kp_sv_eq_str(in, no[i])) {
            *out = false;
            return 0;
        }
    }
    return kp_err_set(KP_EBADREQUEST, "\"%.*s\" is not a boolean", KP_SV_ARG(in));
}

int kp_parse_duration_ms(int64_t *out, kp_sv in, int64_t max_ms)
{
    static const struct {
        const char *unit;
        double ms;
    } units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
    double total = 0;
    size_t i = 0;

    if (in.len == 0)
        goto bad;
    if (in.len == 1 && in.p[0] == '0') {
        *out = 0;
        return 0;
    }
    while (i < in.len) {
        double v = 0, frac = 0.1;
        size_t start = i, u;
        bool found = false;
        while (i < in.len && in.p[i] >= '0' && in.p[i] <= '9')
            v = v * 10 + (in.p[i++] - '0');
        if (i < in.len && in.p[i] == '.')
            for (i++; i < in.len && in.p[i] >= '0' && in.p[i] <= '9'; i++, frac /= 10)
                v += (in.p[i] - '0') * frac;
        if (i == start)
            goto bad;
        for (u = 0; u < KP_ARRAY_LEN(units); u++) {
            size_t n = strlen(units[u].unit);
            /* "m" must not eat the "m" of "ms" */
            if (in.len - i >= n && memcmp(in.p + i, units[u].unit, n) == 0 &&
                !(n == 1 && units[u].unit[0] == 'm' && in.len - i > 1 && in.p[i + 1] == 's')) {
                total += v * units[u].ms;
                i += n;
                found = true;
                break;
            }
        }
        if (!found || total > (double)max_ms)
            goto bad;
    }
    *out = (int64_t)total;
    return 0;
bad:
    return kp_err_set(KP_EBADREQUEST,
                      "\"%.*s\" is not a duration like \"30s\", \"10m\" or \"1h\" (at most %lld s)",
                      KP_SV_ARG(in), (long long)(max_ms / 1000));
}
