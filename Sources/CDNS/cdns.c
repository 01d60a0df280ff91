#include "cdns.h"
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

int cdns_query(const char *name, int type, const char *server, int port, int timeout_sec,
               cdns_record *out, int max, int *rcode) {
    struct __res_state st;
    unsigned char answer[65536];
    unsigned char query[NS_PACKETSZ];
    memset(&st, 0, sizeof st);
    *rcode = -1;
    if (res_ninit(&st) != 0) return -1;                 /* per-call state: safe on any thread */
    if (server && *server) {
        struct sockaddr_in sa;
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_port = htons((unsigned short)port);
        if (inet_pton(AF_INET, server, &sa.sin_addr) != 1) { res_nclose(&st); return -1; }
        st.nsaddr_list[0] = sa;
        st.nscount = 1;
    }
    if (timeout_sec > 0) st.retrans = timeout_sec;
    st.retry = 2;
    st.options &= ~(RES_DNSRCH | RES_DEFNAMES);
    st.options |= RES_USE_EDNS0;
    int qlen = res_nmkquery(&st, ns_o_query, name, ns_c_in, type, NULL, 0, NULL, query, sizeof query);
    int len = qlen < 0 ? -1 : res_nsend(&st, query, qlen, answer, sizeof answer);   /* keeps NXDOMAIN answers */
    res_nclose(&st);
    if (len < 0) return -1;
    ns_msg msg;
    if (ns_initparse(answer, len, &msg) < 0) return -1;
    *rcode = ns_msg_getflag(msg, ns_f_rcode);
    int count = 0;
    int n = ns_msg_count(msg, ns_s_an);
    for (int i = 0; i < n && count < max; i++) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) < 0) continue;
        int t = ns_rr_type(rr);
        if (t != type) continue;
        cdns_record *r = &out[count];
        memset(r, 0, sizeof *r);
        r->type = t;
        const unsigned char *rd = ns_rr_rdata(rr);
        int rdlen = ns_rr_rdlen(rr);
        if (t == ns_t_a && rdlen == 4) {
            inet_ntop(AF_INET, rd, r->text, sizeof r->text);
        } else if (t == ns_t_aaaa && rdlen == 16) {
            inet_ntop(AF_INET6, rd, r->text, sizeof r->text);
        } else if (t == ns_t_ns || t == ns_t_ptr || t == ns_t_cname) {
            if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), rd, r->text, sizeof r->text) < 0) continue;
        } else if (t == ns_t_txt) {
            int pos = 0, used = 0;
            while (pos < rdlen) {                            /* <len><bytes> strings, joined */
                int l = rd[pos++];
                if (pos + l > rdlen || used + l >= (int)sizeof r->text) break;
                memcpy(r->text + used, rd + pos, l);
                used += l;
                pos += l;
            }
            r->text[used] = 0;
        } else {
            continue;
        }
        count++;
    }
    return count;
}
