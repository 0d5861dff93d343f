/* SPDX-License-Identifier: EUPL-1.2 */
/* Per-address connection counts and deadlines for the HTTP edge.
 *
 * A client address is a string (the socket's peer, or the address a trusted proxy names) in a
 * chained hash table; an entry lives while its address holds a connection, so the table never
 * holds more entries than there are connections. Admission is decided from four numbers: the
 * connections in all, the plain HTTP ones in all, and both for the address asking.
 *
 * The subtle point is the deadlines. Every connection reading a request (headers after accept,
 * a body after its headers) has the same allowance, header_ms, counted from the moment it
 * entered that state, and every idle keep-alive connection has idle_ms. So appending to the
 * tail of one list per allowance keeps each list sorted by deadline, and finding what is
 * overdue only ever looks at the two heads: no heap, no scan, O(1) per connection. */
#include "http/edge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 1024

struct addr_entry {
    char addr[RS_EDGE_ADDR_MAX];
    unsigned conns, http;
    struct addr_entry *next; /* in its bucket */
};

enum { LIST_NONE, LIST_READING, LIST_IDLE };

struct rs_edge_conn {
    struct addr_entry *addr;
    void *owner;
    enum rs_edge_state state;
    int http; /* counted as plain HTTP */
    int list; /* LIST_*: which deadline list it is on */
    int64_t deadline_ms;
    struct rs_edge_conn *prev, *next;         /* in that list */
    struct rs_edge_conn *all_prev, *all_next; /* every record, for rs_edge_free */
};

struct dl_list {
    struct rs_edge_conn *head, *tail;
};

struct rs_edge {
    struct rs_edge_limits lim;
    struct addr_entry *buckets[BUCKETS];
    unsigned total, http;
    struct dl_list reading, idle;
    struct rs_edge_conn *all;
};

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % BUCKETS;
}

static struct addr_entry *find(const struct rs_edge *e, const char *addr)
{
    for (struct addr_entry *a = e->buckets[hash(addr)]; a; a = a->next)
        if (strcmp(a->addr, addr) == 0)
            return a;
    return NULL;
}

static struct addr_entry *find_or_add(struct rs_edge *e, const char *addr)
{
    struct addr_entry *a = find(e, addr);
    if (a)
        return a;
    a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    snprintf(a->addr, sizeof(a->addr), "%s", addr);
    unsigned b = hash(a->addr);
    a->next = e->buckets[b];
    e->buckets[b] = a;
    return a;
}

static void drop_if_unused(struct rs_edge *e, struct addr_entry *a)
{
    if (a->conns)
        return;
    for (struct addr_entry **pp = &e->buckets[hash(a->addr)]; *pp; pp = &(*pp)->next) {
        if (*pp == a) {
            *pp = a->next;
            free(a);
            return;
        }
    }
}

static struct dl_list *list_of(struct rs_edge *e, int list)
{
    return list == LIST_READING ? &e->reading : list == LIST_IDLE ? &e->idle : NULL;
}

static void unlist(struct rs_edge *e, struct rs_edge_conn *c)
{
    struct dl_list *l = list_of(e, c->list);
    if (!l)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        l->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        l->tail = c->prev;
    c->prev = c->next = NULL;
    c->list = LIST_NONE;
}

static void enlist(struct rs_edge *e, struct rs_edge_conn *c, int list, int64_t deadline_ms)
{
    unlist(e, c);
    struct dl_list *l = list_of(e, list);
    c->list = list;
    c->deadline_ms = deadline_ms;
    c->prev = l->tail;
    c->next = NULL;
    if (l->tail)
        l->tail->next = c;
    else
        l->head = c;
    l->tail = c;
}

static void set_http(struct rs_edge *e, struct rs_edge_conn *c, int http)
{
    if (c->http == http)
        return;
    c->http = http;
    if (http) {
        c->addr->http++;
        e->http++;
    } else {
        c->addr->http--;
        e->http--;
    }
}

struct rs_edge *rs_edge_new(const struct rs_edge_limits *lim)
{
    struct rs_edge *e = calloc(1, sizeof(*e));
    if (e)
        e->lim = *lim;
    return e;
}

void rs_edge_free(struct rs_edge *e)
{
    if (!e)
        return;
    while (e->all)
        rs_edge_close(e, e->all);
    free(e);
}

static unsigned http_share(const struct rs_edge_limits *lim)
{
    unsigned share = lim->http_pool / 4;
    if (share < 1)
        share = 1;
    return share < lim->per_ip ? share : lim->per_ip;
}

enum rs_edge_verdict rs_edge_admit(const struct rs_edge *e, const char *addr, int per_address)
{
    const struct rs_edge_limits *lim = &e->lim;
    if (e->total >= lim->max_conns)
        return RS_EDGE_FULL;
    if (!per_address)
        return RS_EDGE_OK;
    const struct addr_entry *a = find(e, addr);
    unsigned conns = a ? a->conns : 0, http = a ? a->http : 0;
    if (conns >= lim->per_ip || http >= http_share(lim))
        return RS_EDGE_PER_IP;
    if ((e->total >= lim->max_conns - lim->max_conns / 4 && conns >= RS_EDGE_FEW) ||
        (e->http >= lim->http_pool - lim->http_pool / 4 && http >= RS_EDGE_FEW))
        return RS_EDGE_BUSY;
    return RS_EDGE_OK;
}

struct rs_edge_conn *rs_edge_open(struct rs_edge *e, const char *addr, void *owner, int64_t now_ms)
{
    struct rs_edge_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->addr = find_or_add(e, addr);
    if (!c->addr) {
        free(c);
        return NULL;
    }
    c->owner = owner;
    c->state = RS_EDGE_HEADERS;
    c->addr->conns++;
    e->total++;
    set_http(e, c, 1);
    c->all_next = e->all;
    if (e->all)
        e->all->all_prev = c;
    e->all = c;
    enlist(e, c, LIST_READING, now_ms + e->lim.header_ms);
    return c;
}

enum rs_edge_verdict rs_edge_headers_done(struct rs_edge *e, struct rs_edge_conn *c,
                                          const char *addr, int body, int64_t now_ms)
{
    if (c->state == RS_EDGE_CLOSING)
        return RS_EDGE_OK;
    if (addr && strcmp(addr, c->addr->addr) != 0) {
        struct addr_entry *to = find(e, addr);
        if (to && to->conns >= e->lim.per_ip)
            return RS_EDGE_PER_IP;
        if (!to && !(to = find_or_add(e, addr)))
            return RS_EDGE_OK; /* out of memory: it stays where it is counted */
        struct addr_entry *from = c->addr;
        from->conns--;
        to->conns++;
        if (c->http) {
            from->http--;
            to->http++;
        }
        c->addr = to;
        drop_if_unused(e, from);
    }
    if (body) {
        c->state = RS_EDGE_BODY;
        enlist(e, c, LIST_READING, now_ms + e->lim.header_ms);
    } else {
        c->state = RS_EDGE_ACTIVE;
        unlist(e, c);
    }
    return RS_EDGE_OK;
}

void rs_edge_body_done(struct rs_edge *e, struct rs_edge_conn *c)
{
    if (c->state != RS_EDGE_BODY)
        return;
    c->state = RS_EDGE_ACTIVE;
    unlist(e, c);
}

void rs_edge_idle(struct rs_edge *e, struct rs_edge_conn *c, int64_t now_ms)
{
    if (c->state == RS_EDGE_CLOSING || c->state == RS_EDGE_WEBSOCKET)
        return;
    c->state = RS_EDGE_IDLE;
    enlist(e, c, LIST_IDLE, now_ms + e->lim.idle_ms);
}

void rs_edge_websocket(struct rs_edge *e, struct rs_edge_conn *c)
{
    if (c->state == RS_EDGE_CLOSING)
        return;
    c->state = RS_EDGE_WEBSOCKET;
    unlist(e, c);
    set_http(e, c, 0);
}

void rs_edge_close(struct rs_edge *e, struct rs_edge_conn *c)
{
    if (!c)
        return;
    unlist(e, c);
    set_http(e, c, 0);
    if (c->all_prev)
        c->all_prev->all_next = c->all_next;
    else
        e->all = c->all_next;
    if (c->all_next)
        c->all_next->all_prev = c->all_prev;
    c->addr->conns--;
    e->total--;
    drop_if_unused(e, c->addr);
    free(c);
}

void *rs_edge_overdue(struct rs_edge *e, int64_t now_ms, enum rs_edge_state *was)
{
    struct rs_edge_conn *r = e->reading.head, *i = e->idle.head;
    struct rs_edge_conn *c = r && (!i || r->deadline_ms <= i->deadline_ms) ? r : i;
    if (!c || c->deadline_ms > now_ms)
        return NULL;
    if (was)
        *was = c->state;
    unlist(e, c);
    c->state = RS_EDGE_CLOSING;
    return c->owner;
}

unsigned rs_edge_total(const struct rs_edge *e)
{
    return e->total;
}

unsigned rs_edge_http(const struct rs_edge *e)
{
    return e->http;
}

unsigned rs_edge_count(const struct rs_edge *e, const char *addr, unsigned *http)
{
    const struct addr_entry *a = find(e, addr);
    if (http)
        *http = a ? a->http : 0;
    return a ? a->conns : 0;
}

enum rs_edge_state rs_edge_state_of(const struct rs_edge_conn *c)
{
    return c->state;
}
