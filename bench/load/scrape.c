/* SPDX-License-Identifier: EUPL-1.2 */
/* The server's own view of a run (Ratsaal only): /metrics at the start and the end of the
 * steady window, for the forwarding delay histogram (kernel receive timestamp of a datagram →
 * send of what it caused, so without the generator's own scheduling) and the packets per UDP
 * datagram handed to the kernel (UDP GSO); for a soak, the gauges it samples. */
#include "scrape.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int http_get(const char *host, uint16_t port, const char *path, char *buf, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, host, &a.sin_addr);
    char req[256];
    int rl =
        snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%u\r\nConnection: close\r\n\r\n",
                 path, host, port);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) || write(fd, req, (size_t)rl) != rl) {
        close(fd);
        return -1;
    }
    size_t len = 0;
    ssize_t n;
    while (len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = 0;
    close(fd);
    return strncmp(buf, "HTTP/1.1 200", 12) == 0 ? 0 : -1;
}

int scrape_metrics(const char *host, uint16_t port, struct srv_metrics *m)
{
    memset(m, 0, sizeof(*m));
    size_t cap = 256 * 1024;
    char *buf = malloc(cap);
    if (!buf || http_get(host, port, "/metrics", buf, cap)) {
        free(buf);
        return -1;
    }
    for (char *line = buf; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        char le[32];
        unsigned long long v;
        if (sscanf(line, "ratsaal_forward_delay_seconds_bucket{le=\"%31[^\"]\"} %llu", le, &v) ==
                2 &&
            m->n_buckets < SCRAPE_MAX_BUCKETS) {
            m->le_us[m->n_buckets] = strcmp(le, "+Inf") == 0 ? INFINITY : strtod(le, NULL) * 1e6;
            m->cum[m->n_buckets++] = v;
        } else if (sscanf(line, "ratsaal_udp_sends_total %llu", &v) == 1) {
            m->udp_sends = v;
        } else if (sscanf(line, "ratsaal_udp_gso_segments_total %llu", &v) == 1) {
            m->gso_segments = v;
        } else if (sscanf(line, "ratsaal_rtp_packets_out_total %llu", &v) == 1) {
            m->rtp_out = v;
        }
    }
    free(buf);
    m->ok = m->n_buckets > 0;
    return m->ok ? 0 : -1;
}

int scrape_values(const char *host, uint16_t port, const char *const *names, size_t n,
                  double *out)
{
    size_t cap = 256 * 1024;
    char *buf = malloc(cap);
    if (!buf || http_get(host, port, "/metrics", buf, cap)) {
        free(buf);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = NAN;
    for (char *line = buf; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(names[i]);
            if (strncmp(line, names[i], len) == 0 && line[len] == ' ')
                out[i] = strtod(line + len + 1, NULL);
        }
    }
    free(buf);
    return 0;
}

/* The q-quantile of the delay observed between two scrapes, interpolated linearly inside its
 * bucket (as Prometheus' histogram_quantile does). In the +Inf bucket: the last finite bound. */
double scrape_delay_quantile(const struct srv_metrics *a, const struct srv_metrics *b, double q)
{
    if (!a->ok || !b->ok || a->n_buckets != b->n_buckets)
        return -1;
    unsigned n = b->n_buckets;
    double total = (double)(b->cum[n - 1] - a->cum[n - 1]);
    if (total <= 0)
        return -1;
    double want = q * total, prev_cum = 0, prev_le = 0;
    for (unsigned i = 0; i < n; i++) {
        double cum = (double)(b->cum[i] - a->cum[i]);
        if (cum >= want) {
            if (isinf(b->le_us[i]))
                return prev_le;
            double in = cum - prev_cum;
            return prev_le + (b->le_us[i] - prev_le) * (in > 0 ? (want - prev_cum) / in : 1);
        }
        prev_cum = cum;
        prev_le = b->le_us[i];
    }
    return prev_le;
}

/* Share (percent) of the packets forwarded within `us` microseconds (a bucket bound). */
double scrape_delay_within(const struct srv_metrics *a, const struct srv_metrics *b, double us)
{
    if (!a->ok || !b->ok || a->n_buckets != b->n_buckets)
        return -1;
    unsigned n = b->n_buckets;
    double total = (double)(b->cum[n - 1] - a->cum[n - 1]);
    for (unsigned i = 0; i < n && total > 0; i++)
        if (fabs(b->le_us[i] - us) < 0.5)
            return 100.0 * (double)(b->cum[i] - a->cum[i]) / total;
    return -1;
}
