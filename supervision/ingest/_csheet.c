/* The detail sheet's cells in C (issue 12): the column reader's compiled path (colnative.py).
 *
 * parse(chunk, width, style_kinds, sst_data, sst_offsets)
 *
 *   chunk        bytes: whole <row> elements of a worksheet's sheetData (whitespace between them), the
 *                last chunk possibly ending with </sheetData> and the rest of the document;
 *   width        the number of columns to give (a cell beyond it declines);
 *   style_kinds  bytes: per cell style index, the date kind of its number format (0 none, 1 date,
 *                2 datetime, 3 time, 4 duration: xlsxstyles.format_kind);
 *   sst_data, sst_offsets   the shared strings as one UTF-8 buffer and n + 1 int64 offsets (or None).
 *
 * Returns (done, end, rows, flags, n, columns) where done is true once </sheetData> was read (end:
 * the offset after it, else the chunk's length), rows the
 * Excel row numbers (int64) of the n rows given, flags one byte per row (0 every cell blank, 1 a cell
 * surely not blank, 2 text that may be blank: values.is_blank decides), and columns one (kinds, numbers, offsets, texts, validity) per
 * column: kinds uint8 (0 empty, 1 text, 2 number, 3 boolean, 10 + date kind for a number in a date
 * style, decided by the caller), numbers float64, texts an Arrow string column (int32 offsets, a
 * validity bitmap). A number's text is its decimal text without leading or trailing zeros when
 * that is exactly the Decimal of its shortest repr (at most 15 significant digits, no sign, no
 * exponent, at least 1e-4), else null. Booleans' text is "true" or "false".
 *
 * The values are those of the streaming reader (xlsxparts.iter_sheet, then reader.normalise): the
 * rows it yields (a row with at least one stored cell), each cell's value where the later of two
 * cells of one column wins, character data as expat gives it (entities and character references
 * decoded, CR LF and lone CR as LF). Anything this code does not decide exactly the same way makes
 * it decline: it returns a str, the reason, and the caller reads the sheet another way. It declines
 * on comments, processing instructions, CDATA, elements it does not know, text between elements, a
 * row or cell without a usable reference, control characters, invalid UTF-8, _xHHHH_ escapes,
 * numbers in any form but plain decimal or exponent notation, shared-string indexes that are not
 * plain digits, t="d" and unknown cell types.
 *
 * No Python object is touched while parsing: the GIL is released for the whole chunk.
 * tests/ingest/test_colnative.py compares it with the row reader on generated and mutated sheets.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef const unsigned char *cur_t;

typedef struct {
    char *p;
    Py_ssize_t n, cap;
} buf_t;

static int grow(buf_t *b, Py_ssize_t more) {
    if (b->n + more <= b->cap) return 0;
    Py_ssize_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + more) cap *= 2;
    char *p = realloc(b->p, (size_t)cap);
    if (!p) return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static inline int put(buf_t *b, const void *src, Py_ssize_t n) {
    if (grow(b, n)) return -1;
    memcpy(b->p + b->n, src, (size_t)n);
    b->n += n;
    return 0;
}

enum { K_EMPTY = 0, K_TEXT = 1, K_NUMBER = 2, K_BOOL = 3, K_DATE = 10 };

typedef struct {
    unsigned char kind;
    char set;       /* a value was stored (iter_sheet's cells dict) */
    char has_text;  /* text valid */
    char blank;     /* 0 surely not blank, 1 surely blank (empty), 2 text that may be blank */
    double num;
    Py_ssize_t toff, tlen; /* in the row's text buffer */
} slot_t;

typedef struct {
    buf_t kinds, nums, offs, texts, valid;
} col_t;

typedef struct {
    cur_t p, end;
    int width;
    const unsigned char *style_kinds;
    Py_ssize_t n_styles;
    const char *sst;
    const int64_t *sst_off;
    Py_ssize_t n_sst;
    slot_t *slots;
    col_t *cols;
    buf_t rows;      /* int64 row numbers */
    buf_t flags;     /* per row: 0 blank, 1 not blank, 2 to be decided (text of white space or rare characters) */
    buf_t rowtext;   /* the texts of the row being read */
    buf_t cell;      /* the character data of the cell being read */
    Py_ssize_t nrows;
    const char *why; /* the reason to decline */
    int oom;
    int done;
} ctx_t;

#define DECLINE(c, reason) do { (c)->why = (reason); return -1; } while (0)

static inline int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static inline void skip_ws(ctx_t *c) {
    while (c->p < c->end && is_ws(*c->p)) c->p++;
}

/* At '<': the tag name is exactly `name` (followed by white space, '>' or '/')? */
static inline int at_tag(ctx_t *c, const char *name, Py_ssize_t len) {
    if (c->end - c->p < len + 2 || c->p[0] != '<' || memcmp(c->p + 1, name, (size_t)len) != 0) return 0;
    unsigned char d = c->p[1 + len];
    return d == '>' || d == '/' || is_ws(d);
}

static inline int at_close(ctx_t *c, const char *name, Py_ssize_t len) {
    if (c->end - c->p < len + 3 || c->p[0] != '<' || c->p[1] != '/') return 0;
    if (memcmp(c->p + 2, name, (size_t)len) != 0) return 0;
    cur_t q = c->p + 2 + len;
    while (q < c->end && is_ws(*q)) q++;
    if (q >= c->end || *q != '>') return 0;
    c->p = q + 1;
    return 1;
}

/* The attributes after a tag name; the wanted ones (r, s, t) are given as spans. Returns 1 for an
 * open tag, 2 for an empty-element tag, -1 to decline. */
typedef struct {
    cur_t r, s, t;
    Py_ssize_t rn, sn, tn;
} attrs_t;

static int read_attrs(ctx_t *c, attrs_t *a) {
    if (a) memset(a, 0, sizeof *a);
    for (;;) {
        skip_ws(c);
        if (c->p >= c->end) DECLINE(c, "a tag cut by the end of the chunk");
        if (*c->p == '>') { c->p++; return 1; }
        if (*c->p == '/') {
            if (c->p + 1 < c->end && c->p[1] == '>') { c->p += 2; return 2; }
            DECLINE(c, "a stray '/' in a tag");
        }
        cur_t name = c->p;
        while (c->p < c->end && *c->p != '=' && !is_ws(*c->p) && *c->p != '>' && *c->p != '/') c->p++;
        Py_ssize_t nlen = c->p - name;
        skip_ws(c);
        if (nlen == 0 || c->p >= c->end || *c->p != '=') DECLINE(c, "an attribute without a value");
        c->p++;
        skip_ws(c);
        if (c->p >= c->end || (*c->p != '"' && *c->p != '\'')) DECLINE(c, "an unquoted attribute");
        unsigned char q = *c->p++;
        cur_t v = c->p;
        while (c->p < c->end && *c->p != q) {
            if (*c->p == '<') DECLINE(c, "'<' in an attribute");
            c->p++;
        }
        if (c->p >= c->end) DECLINE(c, "an attribute cut by the end of the chunk");
        Py_ssize_t vlen = c->p - v;
        c->p++;
        if (a && nlen == 1) {
            if (memchr(v, '&', (size_t)vlen) || memchr(v, '\t', (size_t)vlen) || memchr(v, '\n', (size_t)vlen)
                || memchr(v, '\r', (size_t)vlen))
                DECLINE(c, "a reference or white space in a cell attribute");
            if (name[0] == 'r') { a->r = v; a->rn = vlen; }
            else if (name[0] == 's') { a->s = v; a->sn = vlen; }
            else if (name[0] == 't') { a->t = v; a->tn = vlen; }
        }
    }
}

/* Character data up to the next '<', decoded as expat gives it, appended to out. */
static int put_utf8(buf_t *out, uint32_t cp) {
    unsigned char b[4];
    int n;
    if (cp < 0x80) { b[0] = (unsigned char)cp; n = 1; }
    else if (cp < 0x800) { b[0] = 0xC0 | (cp >> 6); b[1] = 0x80 | (cp & 0x3F); n = 2; }
    else if (cp < 0x10000) {
        b[0] = 0xE0 | (cp >> 12); b[1] = 0x80 | ((cp >> 6) & 0x3F); b[2] = 0x80 | (cp & 0x3F); n = 3;
    } else {
        b[0] = 0xF0 | (cp >> 18); b[1] = 0x80 | ((cp >> 12) & 0x3F); b[2] = 0x80 | ((cp >> 6) & 0x3F);
        b[3] = 0x80 | (cp & 0x3F); n = 4;
    }
    return put(out, b, n);
}

static inline int xml_char(uint32_t cp) {
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD)
        || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* Length of a valid UTF-8 character (of an XML character) at s, or 0. */
static inline int utf8_len(cur_t s, cur_t end) {
    unsigned char b = s[0];
    int len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) len = 2;
    else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        if (b == 0xE0) lo = 0xA0;
        else if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        if (b == 0xF0) lo = 0x90;
        else if (b == 0xF4) hi = 0x8F;
    } else return 0;
    if (end - s < len) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (int i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    if (len == 3 && b == 0xEF && s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF)) return 0; /* U+FFFE/F */
    return len;
}

static int read_text(ctx_t *c, buf_t *out) {
    for (;;) {
        cur_t start = c->p;
        while (c->p < c->end) {
            unsigned char b = *c->p;
            if (b == '<' || b == '&' || b == '\r') break;
            if (b < 0x20) {
                if (b != '\t' && b != '\n') DECLINE(c, "a control character in a cell");
                c->p++;
            } else if (b < 0x80) {
                if (b == ']' && c->end - c->p >= 3 && c->p[1] == ']' && c->p[2] == '>')
                    DECLINE(c, "']]>' in character data");
                c->p++;
            } else {
                int n = utf8_len(c->p, c->end);
                if (!n) DECLINE(c, "invalid UTF-8 in a cell");
                c->p += n;
            }
        }
        if (c->p > start && put(out, start, c->p - start)) { c->oom = 1; return -1; }
        if (c->p >= c->end) DECLINE(c, "character data cut by the end of the chunk");
        unsigned char b = *c->p;
        if (b == '<') return 0;
        if (b == '\r') {
            c->p++;
            if (c->p < c->end && *c->p == '\n') c->p++;
            if (put(out, "\n", 1)) { c->oom = 1; return -1; }
            continue;
        }
        /* '&' */
        cur_t semi = memchr(c->p, ';', (size_t)(c->end - c->p < 12 ? c->end - c->p : 12));
        if (!semi) DECLINE(c, "an '&' that is no reference");
        Py_ssize_t n = semi - c->p - 1;
        cur_t e = c->p + 1;
        const char *lit = NULL;
        if (n == 2 && e[0] == 'l' && e[1] == 't') lit = "<";
        else if (n == 2 && e[0] == 'g' && e[1] == 't') lit = ">";
        else if (n == 3 && memcmp(e, "amp", 3) == 0) lit = "&";
        else if (n == 4 && memcmp(e, "quot", 4) == 0) lit = "\"";
        else if (n == 4 && memcmp(e, "apos", 4) == 0) lit = "'";
        if (lit) {
            if (put(out, lit, 1)) { c->oom = 1; return -1; }
        } else if (n >= 2 && e[0] == '#') {
            uint32_t cp = 0;
            int hex = e[1] == 'x';
            Py_ssize_t i = hex ? 2 : 1;
            if (i >= n) DECLINE(c, "an empty character reference");
            for (; i < n; i++) {
                unsigned char d = e[i];
                int v;
                if (d >= '0' && d <= '9') v = d - '0';
                else if (hex && d >= 'a' && d <= 'f') v = d - 'a' + 10;
                else if (hex && d >= 'A' && d <= 'F') v = d - 'A' + 10;
                else DECLINE(c, "a malformed character reference");
                cp = cp * (hex ? 16 : 10) + (uint32_t)v;
                if (cp > 0x10FFFF) DECLINE(c, "a character reference beyond Unicode");
            }
            if (!xml_char(cp)) DECLINE(c, "a character reference to a character XML forbids");
            if (put_utf8(out, cp)) { c->oom = 1; return -1; }
        } else DECLINE(c, "an entity other than the predefined five");
        c->p = semi + 1;
    }
}

/* Skip an element whose start tag was read (open), up to its end tag `</name>`; its content may be
 * elements and character data but no comment, PI or CDATA (it is not collected). */
static int skip_to_close(ctx_t *c, const char *name, Py_ssize_t len) {
    for (;;) {
        cur_t lt = memchr(c->p, '<', (size_t)(c->end - c->p));
        if (!lt) DECLINE(c, "an element cut by the end of the chunk");
        c->p = lt;
        if (lt + 1 < c->end && (lt[1] == '!' || lt[1] == '?')) DECLINE(c, "markup inside a cell");
        if (at_close(c, name, len)) return 0;
        c->p++;
    }
}

/* Skip a whole element whose tag name `name` was seen at c->p ('<' + name), its content unread. */
static int skip_element(ctx_t *c, const char *name, Py_ssize_t len) {
    c->p += 1 + len;
    int k = read_attrs(c, NULL);
    if (k < 0) return -1;
    return k == 1 ? skip_to_close(c, name, len) : 0;
}

/* <t ...>text</t> or <t/>: append the text. The '<t' was seen. */
static int read_t(ctx_t *c) {
    c->p += 2;
    int k = read_attrs(c, NULL);
    if (k < 0) return -1;
    if (k == 2) return 0;
    if (read_text(c, &c->cell)) return -1;
    if (!at_close(c, "t", 1)) DECLINE(c, "an element inside <t>");
    return 0;
}

static int read_is(ctx_t *c) {
    c->p += 3;
    int k = read_attrs(c, NULL);
    if (k < 0) return -1;
    c->cell.n = 0; /* iter_sheet clears the cell's text at <is> */
    if (k == 2) return 0;
    for (;;) {
        skip_ws(c);
        if (c->p >= c->end) DECLINE(c, "an inline string cut by the end of the chunk");
        if (at_close(c, "is", 2)) return 0;
        if (at_tag(c, "t", 1)) { if (read_t(c)) return -1; continue; }
        if (at_tag(c, "r", 1)) {
            c->p += 2;
            k = read_attrs(c, NULL);
            if (k < 0) return -1;
            if (k == 2) continue;
            for (;;) {
                skip_ws(c);
                if (c->p >= c->end) DECLINE(c, "a rich text run cut by the end of the chunk");
                if (at_close(c, "r", 1)) break;
                if (at_tag(c, "t", 1)) { if (read_t(c)) return -1; continue; }
                if (at_tag(c, "rPr", 3)) { if (skip_element(c, "rPr", 3)) return -1; continue; }
                DECLINE(c, "an unknown element in a rich text run");
            }
            continue;
        }
        if (at_tag(c, "rPh", 3)) { if (skip_element(c, "rPh", 3)) return -1; continue; }
        if (at_tag(c, "phoneticPr", 10)) { if (skip_element(c, "phoneticPr", 10)) return -1; continue; }
        DECLINE(c, "an unknown element in an inline string");
    }
}

/* Strict decimal or exponent notation (what float() takes, less white space, underscores, inf, nan). */
static int number_token(const char *s, Py_ssize_t n) {
    Py_ssize_t i = 0, digits = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') { i++; digits++; }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') { i++; digits++; }
    }
    if (!digits) return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        Py_ssize_t e = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') { i++; e++; }
        if (!e) return 0;
    }
    return i == n;
}

/* The canonical text of a plain unsigned decimal (see the header), written to out; its length or -1. */
static Py_ssize_t canonical(const char *s, Py_ssize_t n, char *out) {
    Py_ssize_t i = 0, dot = -1;
    for (i = 0; i < n; i++) {
        if (s[i] == '.') { if (dot >= 0) return -1; dot = i; }
        else if (s[i] < '0' || s[i] > '9') return -1;
    }
    Py_ssize_t ib = 0, ie = dot >= 0 ? dot : n, fb = dot >= 0 ? dot + 1 : n, fe = n;
    while (ib < ie && s[ib] == '0') ib++;
    while (fe > fb && s[fe - 1] == '0') fe--;
    Py_ssize_t sig;
    if (ib < ie) sig = (ie - ib) + (fe - fb);
    else {
        Py_ssize_t z = fb;
        while (z < fe && s[z] == '0') z++;
        if (z - fb >= 4 && z < fe) return -1; /* below 1e-4: repr uses an exponent */
        sig = fe - z;
    }
    if (sig > 15) return -1;
    Py_ssize_t k = 0;
    if (ib < ie) { memcpy(out, s + ib, (size_t)(ie - ib)); k = ie - ib; }
    else out[k++] = '0';
    if (fe > fb) {
        out[k++] = '.';
        memcpy(out + k, s + fb, (size_t)(fe - fb));
        k += fe - fb;
    }
    return k;
}

/* 0 when the text surely is not blank for values.is_blank (a printable ASCII character other than a
 * space, or a CJK ideograph U+4000-U+9FFF), else 2 (decided by the caller). */
static char text_blank(const char *s, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        if ((b > 0x20 && b < 0x7F) || (b >= 0xE4 && b <= 0xE9)) return 0;
    }
    return 2;
}

static int store_text(ctx_t *c, slot_t *sl, unsigned char kind, const char *s, Py_ssize_t n) {
    sl->blank = kind == K_TEXT ? text_blank(s, n) : 0;
    sl->kind = kind;
    sl->set = 1;
    sl->has_text = 1;
    sl->toff = c->rowtext.n;
    sl->tlen = n;
    if (put(&c->rowtext, s, n)) { c->oom = 1; return -1; }
    return 0;
}

static int finish_cell(ctx_t *c, slot_t *sl, const attrs_t *a, int style) {
    Py_ssize_t n = c->cell.n;
    if (n == 0) return 0; /* no character data: no value */
    const char *s = c->cell.p;
    cur_t t = a->t;
    Py_ssize_t tn = a->t ? a->tn : 0;
    if (!a->t || (tn == 1 && t[0] == 'n')) {
        char tmp[64], canon[64];
        if (n >= (Py_ssize_t)sizeof tmp || !number_token(s, n)) DECLINE(c, "a number cell that is no plain number");
        memcpy(tmp, s, (size_t)n);
        tmp[n] = 0;
        double x = strtod(tmp, NULL);
        unsigned char dk = style > 0 && style < c->n_styles ? c->style_kinds[style] : 0;
        if (dk) {
            if (!isfinite(x)) DECLINE(c, "a number beyond float range in a date style");
            sl->blank = 0;
            sl->kind = (unsigned char)(K_DATE + dk);
            sl->set = 1;
            sl->has_text = 0;
            sl->num = x;
            return 0;
        }
        if (!isfinite(x)) { sl->kind = K_EMPTY; sl->set = 1; sl->has_text = 0; sl->blank = 1; return 0; }
        sl->num = x;
        Py_ssize_t k = canonical(s, n, canon);
        if (k < 0) { sl->kind = K_NUMBER; sl->set = 1; sl->has_text = 0; sl->blank = 0; return 0; }
        return store_text(c, sl, K_NUMBER, canon, k);
    }
    if (tn == 1 && t[0] == 's') {
        Py_ssize_t i = 0, e = n;
        while (i < e && is_ws((unsigned char)s[i])) i++;
        while (e > i && is_ws((unsigned char)s[e - 1])) e--;
        if (e == i || e - i > 12) DECLINE(c, "a shared-string index that is not plain digits");
        int64_t idx = 0;
        for (; i < e; i++) {
            if (s[i] < '0' || s[i] > '9') DECLINE(c, "a shared-string index that is not plain digits");
            idx = idx * 10 + (s[i] - '0');
        }
        if (idx >= c->n_sst) return 0; /* IndexError: None */
        int64_t b = c->sst_off[idx], len = c->sst_off[idx + 1] - b;
        if (len == 0) return 0;
        return store_text(c, sl, K_TEXT, c->sst + b, len);
    }
    if ((tn == 9 && memcmp(t, "inlineStr", 9) == 0) || (tn == 3 && memcmp(t, "str", 3) == 0)) {
        for (Py_ssize_t i = 0; i + 7 <= n; i++) {
            if (s[i] == '_' && s[i + 1] == 'x' && s[i + 6] == '_') {
                int hex = 1;
                for (int j = 2; j < 6; j++) {
                    char h = s[i + j];
                    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) hex = 0;
                }
                if (hex) DECLINE(c, "an _xHHHH_ escape in a cell");
            }
        }
        return store_text(c, sl, K_TEXT, s, n);
    }
    if (tn == 1 && t[0] == 'b') {
        /* str.strip() in ("1", "true"); the other white space strip() knows is refused by read_text */
        Py_ssize_t i = 0, e = n;
        for (Py_ssize_t j = 0; j < n; j++)
            if ((unsigned char)s[j] >= 0x80) DECLINE(c, "a boolean cell with other characters");
        while (i < e && is_ws((unsigned char)s[i])) i++;
        while (e > i && is_ws((unsigned char)s[e - 1])) e--;
        int truth = (e - i == 1 && s[i] == '1') || (e - i == 4 && memcmp(s + i, "true", 4) == 0);
        return store_text(c, sl, K_BOOL, truth ? "true" : "false", truth ? 4 : 5);
    }
    if (tn == 1 && t[0] == 'e') return 0;
    DECLINE(c, "a cell type this reader does not take");
}

static int read_cell(ctx_t *c, int *col) {
    c->p += 2;
    attrs_t a;
    int k = read_attrs(c, &a);
    if (k < 0) return -1;
    if (a.r) {
        Py_ssize_t i = 0, letters;
        int index = 0;
        while (i < a.rn && a.r[i] >= 'A' && a.r[i] <= 'Z') { index = index * 26 + (a.r[i] - 'A' + 1); i++; }
        letters = i;
        while (i < a.rn && a.r[i] >= '0' && a.r[i] <= '9') i++;
        if (letters == 0 || letters > 3 || i != a.rn) DECLINE(c, "a cell reference this reader does not take");
        *col = index;
    } else {
        *col += 1;
    }
    int style = 0;
    if (a.s && a.sn > 0) {
        int digits = 1;
        for (Py_ssize_t i = 0; i < a.sn; i++)
            if (a.s[i] < '0' || a.s[i] > '9') digits = 0;
        if (digits) {
            if (a.sn > 9) DECLINE(c, "a style index this reader does not take");
            for (Py_ssize_t i = 0; i < a.sn; i++) style = style * 10 + (a.s[i] - '0');
        }
    }
    if (*col > c->width) DECLINE(c, "a cell beyond the sheet's extent");
    c->cell.n = 0;
    if (k == 2) return 0;
    for (;;) {
        skip_ws(c);
        if (c->p >= c->end) DECLINE(c, "a cell cut by the end of the chunk");
        if (at_close(c, "c", 1)) break;
        if (at_tag(c, "v", 1)) {
            c->p += 2;
            k = read_attrs(c, NULL);
            if (k < 0) return -1;
            if (k == 2) continue;
            if (read_text(c, &c->cell)) return -1;
            if (!at_close(c, "v", 1)) DECLINE(c, "an element inside <v>");
            continue;
        }
        if (at_tag(c, "f", 1)) { if (skip_element(c, "f", 1)) return -1; continue; }
        if (at_tag(c, "is", 2)) { if (read_is(c)) return -1; continue; }
        DECLINE(c, "an unknown element in a cell");
    }
    return finish_cell(c, &c->slots[*col - 1], &a, style);
}

static int emit_row(ctx_t *c, int64_t number) {
    if (put(&c->rows, &number, sizeof number)) goto oom;
    unsigned char flag = 0;
    for (int j = 0; j < c->width; j++) {
        slot_t *sl = &c->slots[j];
        if (!sl->set || sl->blank == 1) continue;
        if (sl->blank == 0) { flag = 1; break; }
        flag = 2;
    }
    if (put(&c->flags, &flag, 1)) goto oom;
    Py_ssize_t r = c->nrows;
    for (int j = 0; j < c->width; j++) {
        slot_t *sl = &c->slots[j];
        col_t *col = &c->cols[j];
        unsigned char kind = sl->set ? sl->kind : K_EMPTY;
        double num = sl->set ? sl->num : 0.0;
        if (put(&col->kinds, &kind, 1) || put(&col->nums, &num, sizeof num)) goto oom;
        if ((r & 7) == 0) {
            unsigned char z = 0;
            if (put(&col->valid, &z, 1)) goto oom;
        }
        if (sl->set && sl->has_text) {
            col->valid.p[r >> 3] |= (unsigned char)(1u << (r & 7));
            if (put(&col->texts, c->rowtext.p + sl->toff, sl->tlen)) goto oom;
        }
        if (col->texts.n > INT32_MAX) { c->why = "a chunk with more than 2 GiB of text"; return -1; }
        int32_t off = (int32_t)col->texts.n;
        if (put(&col->offs, &off, sizeof off)) goto oom;
    }
    c->nrows++;
    return 0;
oom:
    c->oom = 1;
    return -1;
}

static int read_row(ctx_t *c) {
    c->p += 4;
    attrs_t a;
    int k = read_attrs(c, &a);
    if (k < 0) return -1;
    int64_t number = -1;
    if (a.r && a.rn > 0 && a.rn <= 9) {
        number = 0;
        for (Py_ssize_t i = 0; i < a.rn; i++) {
            if (a.r[i] < '0' || a.r[i] > '9') { number = -1; break; }
            number = number * 10 + (a.r[i] - '0');
        }
    }
    if (k == 2) return 0; /* no cells: not given */
    for (int j = 0; j < c->width; j++) c->slots[j].set = 0;
    c->rowtext.n = 0;
    int col = 0, any = 0;
    for (;;) {
        skip_ws(c);
        if (c->p >= c->end) DECLINE(c, "a row cut by the end of the chunk");
        if (at_close(c, "row", 3)) break;
        if (at_tag(c, "c", 1)) {
            if (read_cell(c, &col)) return -1;
            continue;
        }
        DECLINE(c, "an unknown element in a row");
    }
    for (int j = 0; j < c->width; j++) any |= c->slots[j].set;
    if (!any) return 0;
    if (number < 0) DECLINE(c, "a row without a usable number");
    return emit_row(c, number);
}

static int parse_chunk(ctx_t *c) {
    for (;;) {
        skip_ws(c);
        if (c->p >= c->end) return 0;
        if (*c->p != '<') DECLINE(c, "text between rows");
        if (at_tag(c, "row", 3)) {
            if (read_row(c)) return -1;
            continue;
        }
        if (at_close(c, "sheetData", 9)) { c->done = 1; return 0; }
        DECLINE(c, "markup between rows");
    }
}

static void free_ctx(ctx_t *c) {
    if (c->cols)
        for (int j = 0; j < c->width; j++) {
            free(c->cols[j].kinds.p); free(c->cols[j].nums.p); free(c->cols[j].offs.p);
            free(c->cols[j].texts.p); free(c->cols[j].valid.p);
        }
    free(c->cols); free(c->slots); free(c->rows.p); free(c->flags.p); free(c->rowtext.p); free(c->cell.p);
}

static PyObject *bytes_of(buf_t *b) { return PyBytes_FromStringAndSize(b->p ? b->p : "", b->n); }

static PyObject *parse(PyObject *self, PyObject *args) {
    Py_buffer chunk, kinds, sst, offs;
    int width;
    PyObject *sst_obj, *offs_obj, *result = NULL;
    if (!PyArg_ParseTuple(args, "y*iy*OO", &chunk, &width, &kinds, &sst_obj, &offs_obj)) return NULL;
    memset(&sst, 0, sizeof sst);
    memset(&offs, 0, sizeof offs);
    ctx_t c;
    memset(&c, 0, sizeof c);
    if (width < 1 || width > 16384) { PyErr_SetString(PyExc_ValueError, "width"); goto out; }
    if (sst_obj != Py_None) {
        if (PyObject_GetBuffer(sst_obj, &sst, PyBUF_SIMPLE) || PyObject_GetBuffer(offs_obj, &offs, PyBUF_SIMPLE))
            goto out;
        c.sst = sst.buf;
        c.sst_off = offs.buf;
        c.n_sst = offs.len / 8 - 1;
    }
    c.p = chunk.buf;
    c.end = c.p + chunk.len;
    c.width = width;
    c.style_kinds = kinds.buf;
    c.n_styles = kinds.len;
    c.slots = calloc((size_t)width, sizeof(slot_t));
    c.cols = calloc((size_t)width, sizeof(col_t));
    if (!c.slots || !c.cols) { PyErr_NoMemory(); goto out; }
    int32_t zero = 0;
    for (int j = 0; j < width; j++)
        if (put(&c.cols[j].offs, &zero, sizeof zero)) { PyErr_NoMemory(); goto out; }
    int rc;
    Py_BEGIN_ALLOW_THREADS  /* the buffers are held; no Python object is touched */
    rc = parse_chunk(&c);
    Py_END_ALLOW_THREADS
    if (rc) {
        if (c.oom) PyErr_NoMemory();
        else result = PyUnicode_FromString(c.why);
        goto out;
    }
    PyObject *cols = PyList_New(width);
    if (!cols) goto out;
    for (int j = 0; j < width; j++) {
        col_t *col = &c.cols[j];
        PyObject *t = Py_BuildValue("(NNNNN)", bytes_of(&col->kinds), bytes_of(&col->nums), bytes_of(&col->offs),
                                    bytes_of(&col->texts), bytes_of(&col->valid));
        if (!t) { Py_DECREF(cols); goto out; }
        PyList_SET_ITEM(cols, j, t);
    }
    result = Py_BuildValue("(OnNNnN)", c.done ? Py_True : Py_False, (Py_ssize_t)(c.p - (cur_t)chunk.buf),
                           bytes_of(&c.rows), bytes_of(&c.flags), c.nrows, cols);
out:
    free_ctx(&c);
    PyBuffer_Release(&chunk);
    PyBuffer_Release(&kinds);
    if (sst.obj) PyBuffer_Release(&sst);
    if (offs.obj) PyBuffer_Release(&offs);
    return result;
}

static PyMethodDef methods[] = {
    {"parse", parse, METH_VARARGS, "Cells of whole <row> elements as columns, or the reason to decline."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_csheet", "The column reader's compiled path.", -1,
                                    methods};

PyMODINIT_FUNC PyInit__csheet(void) { return PyModule_Create(&module); }
