/* banned: libc calls kplane never uses (git's banned.h). Using one is a compile error that
 * names the replacement in STYLE.md section 6. */
#ifndef KP_BANNED_H
#define KP_BANNED_H

#define KP_BANNED(func) sorry_##func##_is_banned_see_STYLE_md

#undef strcpy
#define strcpy(x, y) KP_BANNED(strcpy)
#undef strcat
#define strcat(x, y) KP_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) KP_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) KP_BANNED(strncat)
#undef sprintf
#define sprintf(...) KP_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) KP_BANNED(vsprintf)
#undef gets
#define gets(x) KP_BANNED(gets)
#undef atoi
#define atoi(x) KP_BANNED(atoi)
#undef atol
#define atol(x) KP_BANNED(atol)
#undef strtok
#define strtok(x, y) KP_BANNED(strtok)
#undef strtok_r
#define strtok_r(x, y, z) KP_BANNED(strtok_r)

#endif
