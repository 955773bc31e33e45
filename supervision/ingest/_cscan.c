/* The guards' fast path in C (issue 12): the byte checks and the plain-row scan of
 * supervision/ingest/fastscan.py, for the common case only.
 *
 * Every function here either gives exactly the answer of the Python code it stands in for, or
 * declines (returns None, or stops before a row), and the Python code then decides as before:
 *
 *   utf8(buf, start, final)      ByteChecks' UTF-8 check of buf[start:]: (used, [offsets of U+FFFE/U+FFFF])
 *                                when every character is valid (an incomplete last character left out
 *                                unless final); None on anything invalid (codecs then finds where).
 *   suspects(buf, c, e)          ByteChecks' suspicious offsets in buf[c:e] (control characters, an '&'
 *                                that is no predefined entity, "]]>"), or None when there are more than
 *                                MAX_BAD (the Python code then caps them).
 *   rows(buf, pos, endpos, prefix, table, max_cell_chars, row, row_has_data, data_rows, min_row,
 *        max_row, row_limit)
 *                                the plain rows from pos, as fastscan.row_pattern (without whitespace
 *                                between tags) matches them and SheetScanner's fast_rows applies them;
 *                                it stops before the first row it does not take (any row the pattern
 *                                might treat otherwise, a formula, a value starting with a non-ASCII
 *                                byte, an attribute value with a space, a cell beyond the limits), which
 *                                the compiled patterns then try. Returns (pos, row, row_has_data,
 *                                data_rows, min_row, max_row, last_start, last_end, cellless): the last
 *                                row with a cell (-1, -1 if none) and whether a row without cells was
 *                                taken.
 *
 * The column letters a cell may use come as a table (fastscan.letter_table): one byte per string of
 * one to three ASCII letters, 1 where the column holds data, 2 where it was seen without data.
 * tests/ingest/test_cscan.py compares every function with the Python code on generated and mutated
 * input.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define MAX_BAD 1024
#define TABLE_SIZE (52 + 52 * 52 + 52 * 52 * 52)

typedef const unsigned char *bytes_t;

static inline int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static inline int letter(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return 26 + c - 'a';
    return -1;
}

/* ------------------------------------------------------------------------------------------------ UTF-8 */

/* Length of the valid UTF-8 character at s[i] (strict, as CPython's decoder: no overlong forms, no
 * surrogates, nothing past U+10FFFF); 0 if invalid; -1 if valid so far but cut by the end n. */
static inline int utf8_char(bytes_t s, Py_ssize_t i, Py_ssize_t n) {
    unsigned char c = s[i];
    int len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        else if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        else if (c == 0xF4) hi = 0x8F;
    } else return 0;
    for (int k = 1; k < len; k++) {
        if (i + k >= n) return -1;
        unsigned char d = s[i + k];
        if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF)) return 0;
    }
    return len;
}

static PyObject *cscan_utf8(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer view;
    Py_ssize_t start;
    int final;
    if (!PyArg_ParseTuple(args, "y*np", &view, &start, &final)) return NULL;
    bytes_t s = (bytes_t)view.buf;
    Py_ssize_t n = view.len, i = start < 0 ? 0 : start;
    PyObject *nonchars = PyList_New(0);
    if (nonchars == NULL) goto fail;
    while (i < n) {
        if (s[i] < 0x80) {  /* runs of ASCII, eight bytes at a time */
            while (i + 8 <= n) {
                unsigned long long w;
                memcpy(&w, s + i, 8);
                if (w & 0x8080808080808080ULL) break;
                i += 8;
            }
            while (i < n && s[i] < 0x80) i++;
            continue;
        }
        int len = utf8_char(s, i, n);
        if (len == 0 || (len < 0 && final)) {
            Py_DECREF(nonchars);
            PyBuffer_Release(&view);
            Py_RETURN_NONE;  /* invalid: the Python code finds the position */
        }
        if (len < 0) break;  /* an incomplete last character: left for the next call */
        if (len == 3 && s[i] == 0xEF && s[i + 1] == 0xBF && (s[i + 2] == 0xBE || s[i + 2] == 0xBF)) {
            PyObject *at = PyLong_FromSsize_t(i - start);
            if (at == NULL || PyList_Append(nonchars, at) < 0) {
                Py_XDECREF(at);
                goto fail;
            }
            Py_DECREF(at);
        }
        i += len;
    }
    PyBuffer_Release(&view);
    return Py_BuildValue("(nN)", i - start, nonchars);
fail:
    Py_XDECREF(nonchars);
    PyBuffer_Release(&view);
    return NULL;
}

/* ------------------------------------------------------------------------------------ suspicious bytes */

static int is_entity(bytes_t s, Py_ssize_t i, Py_ssize_t n) {
    /* s[i] == '&': followed by one of the five predefined entities' names and ';' */
    static const char *names[] = {"amp;", "lt;", "gt;", "quot;", "apos;"};
    for (int k = 0; k < 5; k++) {
        Py_ssize_t len = (Py_ssize_t)strlen(names[k]);
        if (n - (i + 1) >= len && memcmp(s + i + 1, names[k], (size_t)len) == 0) return 1;
    }
    return 0;
}

static PyObject *cscan_suspects(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer view;
    Py_ssize_t c, e;
    if (!PyArg_ParseTuple(args, "y*nn", &view, &c, &e)) return NULL;
    bytes_t s = (bytes_t)view.buf;
    Py_ssize_t n = view.len;
    if (c < 0) c = 0;
    if (e > n) e = n;
    Py_ssize_t cdata_end = e + 2 < n ? e + 2 : n;  /* "]]>" wholly inside buf[c:e + 2] */
    Py_ssize_t found[MAX_BAD + 1];
    Py_ssize_t count = 0;
    int too_many = 0;
    const unsigned long long ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    Py_BEGIN_ALLOW_THREADS  /* the bytes object cannot change; no Python object is touched here */
    for (Py_ssize_t i = c; i < e; i++) {
        while (i + 8 <= e) {  /* eight bytes at a time while none is below 0x20, '&' or ']' */
            unsigned long long w, amp, bracket;
            memcpy(&w, s + i, 8);
            amp = w ^ (ones * '&');
            bracket = w ^ (ones * ']');
            if ((((w - ones * 0x20) & ~w) | ((amp - ones) & ~amp) | ((bracket - ones) & ~bracket)) & highs) break;
            i += 8;
        }
        if (i >= e) break;
        unsigned char b = s[i];
        int bad;
        if (b >= 0x20) {
            if (b == '&') bad = !is_entity(s, i, n);
            else if (b == ']') bad = i + 3 <= cdata_end && s[i + 1] == ']' && s[i + 2] == '>';
            else continue;
        } else bad = b != 9 && b != 10 && b != 13;
        if (bad) {
            if (count == MAX_BAD) {
                too_many = 1;  /* the Python code keeps the first MAX_BAD */
                break;
            }
            found[count++] = i;
        }
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (too_many) Py_RETURN_NONE;
    PyObject *out = PyList_New(count);
    if (out == NULL) return NULL;
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *at = PyLong_FromSsize_t(found[k]);
        if (at == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, k, at);
    }
    return out;
}

/* ------------------------------------------------------------------------------------------ plain rows */

typedef struct {
    bytes_t s;
    Py_ssize_t end;     /* endpos: nothing at or after it is read */
    bytes_t prefix;
    Py_ssize_t plen;
    bytes_t table;
    Py_ssize_t max_chars;
} Scan;

static inline int lit(const Scan *x, Py_ssize_t *i, const char *t, Py_ssize_t len) {
    if (x->end - *i < len || memcmp(x->s + *i, t, (size_t)len) != 0) return 0;
    *i += len;
    return 1;
}

#define LIT(str) lit(x, &i, str, (Py_ssize_t)(sizeof(str) - 1))

static inline int pfx(const Scan *x, Py_ssize_t *i) {
    return x->plen == 0 || lit(x, i, (const char *)x->prefix, x->plen);  /* most parts have no prefix */
}

#define PFX pfx(x, &i)
/* "<" prefix name, "</" prefix name ">" */
#define OPEN(name) (LIT("<") && PFX && LIT(name))
#define CLOSE(name) (LIT("</") && PFX && LIT(name ">"))

/* ``" t=\"...\""`` of one to nine ASCII letters (the pattern's ``kind``), if there */
static int kind_attr(const Scan *x, Py_ssize_t *at) {
    Py_ssize_t i = *at;
    if (!LIT(" t=\"")) return 1;  /* absent: fine */
    Py_ssize_t k = 0;
    while (i < x->end && letter(x->s[i]) >= 0 && k < 10) i++, k++;
    if (k < 1 || k > 9 || !LIT("\"")) return 0;
    *at = i;
    return 1;
}

/* ``<v/>``, ``<v />`` or ``<v></v>`` at *at: 1 (moved past it) or 0 */
static int blank_value(const Scan *x, Py_ssize_t *at) {
    Py_ssize_t i = *at;
    if (!OPEN("v")) return 0;
    if (LIT("/>") || LIT(" />") || (LIT(">") && CLOSE("v"))) {
        *at = i;
        return 1;
    }
    return 0;
}

/* One cell from *at (just past ``<c r="``): 1 taken (has_data set if it holds a value), 0 declined. */
static int cell(const Scan *x, Py_ssize_t *at, bytes_t digits, Py_ssize_t ndigits, int *has_data) {
    Py_ssize_t i = *at;
    bytes_t s = x->s;
    int code = 0, len = 0;
    while (i < x->end && len < 4) {
        int l = letter(s[i]);
        if (l < 0) break;
        code = len == 0 ? l : len == 1 ? 52 + code * 52 + l : 52 + 52 * 52 + (code - 52) * 52 + l;
        i++, len++;
    }
    if (len < 1 || len > 3) return 0;
    unsigned char cls = x->table[code];
    if (cls != 1 && cls != 2) return 0;
    if (x->end - i < ndigits + 1 || s[i + ndigits] != '"') return 0;
    for (Py_ssize_t k = 0; k < ndigits; k++)  /* the cell's row is the row's own number, written alike */
        if (s[i + k] != digits[k]) return 0;
    i += ndigits + 1;
    if (LIT(" s=\"")) {  /* the style: one to nine digits */
        Py_ssize_t k = 0;
        while (i < x->end && s[i] >= '0' && s[i] <= '9' && k < 10) i++, k++;
        if (k < 1 || k > 9 || !LIT("\"")) return 0;
    }
    if (cls == 1 && LIT(" t=\"inlineStr\">")) {  /* an inline string of 1..max_chars bytes */
        if (!OPEN("is>") || !OPEN("t")) return 0;
        LIT(" xml:space=\"preserve\"");
        if (!LIT(">")) return 0;
        Py_ssize_t t0 = i, room = x->end - i;
        const unsigned char *lt = memchr(s + i, '<', (size_t)(room < x->max_chars + 1 ? room : x->max_chars + 1));
        if (lt == NULL) return 0;  /* longer than max_chars, or cut by the end */
        i = lt - s;
        if (i - t0 < 1) return 0;
        if (!CLOSE("t") || !CLOSE("is") || !CLOSE("c")) return 0;
        *has_data = 1;
        *at = i;
        return 1;
    }
    if (!kind_attr(x, &i)) return 0;
    if (LIT("/>") || LIT(" />")) {
        *at = i;
        return 1;
    }
    if (!LIT(">")) return 0;
    Py_ssize_t v = i;
    if (LIT("<") && PFX && LIT("v>") && cls == 1 && i < x->end && s[i] != '<') {
        unsigned char first = s[i];  /* the value's first byte: printable ASCII (no space) */
        if (first < 0x21 || first > 0x7E) return 0;
        const unsigned char *lt = memchr(s + i, '<', (size_t)(x->end - i));
        if (lt == NULL) return 0;
        i = lt - s;
        if (!CLOSE("v")) return 0;
        *has_data = 1;
    } else {
        i = v;
        blank_value(x, &i);  /* or nothing */
    }
    if (!CLOSE("c")) return 0;
    *at = i;
    return 1;
}

static const char *ROW_ATTRS[] = {"spans", "s", "customFormat", "ht", "hidden", "customHeight", "outlineLevel",
                                  "collapsed", "thickTop", "thickBot", "ph", "x14ac:dyDescent"};
#define N_ROW_ATTRS 12

typedef struct {
    long r;
    int has_cells, has_data;
    Py_ssize_t end;
} Row;

/* One row from ``at`` (leading whitespace included): 1 taken, 0 declined. */
static int row(const Scan *x, Py_ssize_t at, Row *out) {
    Py_ssize_t i = at;
    bytes_t s = x->s;
    while (i < x->end && is_ws(s[i])) i++;
    if (!OPEN("row r=\"")) return 0;
    Py_ssize_t d0 = i;
    long r = 0;
    while (i < x->end && s[i] >= '0' && s[i] <= '9' && i - d0 < 8) r = r * 10 + (s[i] - '0'), i++;
    Py_ssize_t nd = i - d0;
    if (nd < 1 || nd > 7 || !LIT("\"")) return 0;
    unsigned int seen = 0;
    for (;;) {  /* attributes among ROW_ATTRS, each once, values without whitespace */
        Py_ssize_t j = i;
        while (j < x->end && is_ws(s[j])) j++;
        if (j == i) break;
        Py_ssize_t n0 = j;
        while (j < x->end && s[j] != '=' && s[j] != '>' && !is_ws(s[j]) && j - n0 < 20) j++;
        int k;
        for (k = 0; k < N_ROW_ATTRS; k++)
            if ((Py_ssize_t)strlen(ROW_ATTRS[k]) == j - n0 && memcmp(s + n0, ROW_ATTRS[k], (size_t)(j - n0)) == 0)
                break;
        if (k == N_ROW_ATTRS || (seen & (1u << k)) || x->end - j < 2 || s[j] != '=' || s[j + 1] != '"') break;
        j += 2;
        while (j < x->end && s[j] != '"') {
            unsigned char b = s[j];
            if (b <= 0x20 || b == '<' || b == '>') return 0;
            j++;
        }
        if (j >= x->end) return 0;
        seen |= 1u << k;
        i = j + 1;
    }
    out->r = r;
    out->has_cells = out->has_data = 0;
    if (LIT("/>") || LIT(" />")) {
        out->end = i;
        return 1;
    }
    if (!LIT(">")) return 0;
    for (;;) {
        Py_ssize_t c = i;
        if (LIT("<") && PFX && LIT("c r=\"")) {
            if (!cell(x, &i, s + d0, nd, &out->has_data)) return 0;
            out->has_cells = 1;
            continue;
        }
        i = c;
        if (!CLOSE("row")) return 0;
        out->end = i;
        return 1;
    }
}

static PyObject *cscan_rows(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer view, prefix, table;
    Py_ssize_t pos, endpos, max_chars, row_no, has_data, data_rows, min_row, max_row, row_limit;
    if (!PyArg_ParseTuple(args, "y*nny*y*nnnnnnn", &view, &pos, &endpos, &prefix, &table, &max_chars, &row_no,
                          &has_data, &data_rows, &min_row, &max_row, &row_limit))
        return NULL;
    PyObject *result = NULL;
    if (table.len != TABLE_SIZE || pos < 0 || max_chars < 1) {
        PyErr_SetString(PyExc_ValueError, "rows: bad arguments");
        goto done;
    }
    Scan x = {(bytes_t)view.buf, endpos < view.len ? endpos : view.len, (bytes_t)prefix.buf, prefix.len,
              (bytes_t)table.buf, max_chars};
    Py_ssize_t last_start = -1, last_end = -1;
    int cellless = 0;
    Row r;
    Py_BEGIN_ALLOW_THREADS  /* no Python object is touched in the loop */
    while (pos < x.end && row(&x, pos, &r)) {
        if (!r.has_cells) {  /* no cell: the row number alone moves */
            if (has_data) {
                if (row_no > 1) data_rows++;
                has_data = 0;
            }
            row_no = r.r;
            cellless = 1;
        } else {
            if (r.r > row_limit || !max_row) break;  /* the handlers decide (see fast_rows) */
            if (has_data && row_no > 1) data_rows++;
            row_no = r.r;
            has_data = r.has_data;
            if (r.r < min_row) min_row = r.r;
            if (r.r > max_row) max_row = r.r;
            last_start = pos;
            last_end = r.end;
        }
        pos = r.end;
    }
    Py_END_ALLOW_THREADS
    result = Py_BuildValue("(nnNnnnnnN)", pos, row_no, PyBool_FromLong(has_data != 0), data_rows, min_row, max_row,
                           last_start, last_end, PyBool_FromLong(cellless));
done:
    PyBuffer_Release(&view);
    PyBuffer_Release(&prefix);
    PyBuffer_Release(&table);
    return result;
}

static PyMethodDef methods[] = {
    {"utf8", cscan_utf8, METH_VARARGS, "UTF-8 check of buf[start:]: (used, nonchar offsets) or None."},
    {"suspects", cscan_suspects, METH_VARARGS, "Suspicious offsets in buf[c:e], or None past MAX_BAD."},
    {"rows", cscan_rows, METH_VARARGS, "Apply the plain rows from pos (see the module comment)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cscan", "The guards' fast path in C.", -1, methods,
                                     NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__cscan(void) {
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && (PyModule_AddIntConstant(m, "MAX_BAD", MAX_BAD) < 0 ||
                      PyModule_AddIntConstant(m, "TABLE_SIZE", TABLE_SIZE) < 0)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
