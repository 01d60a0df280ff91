#ifndef CDNS_H
#define CDNS_H
/* DNS queries through glibc's resolver (libresolv), with a server and port of the caller's choice. */
typedef struct {
    int type;          /* ns_t_a, ns_t_aaaa, ns_t_ns, ns_t_txt, ns_t_ptr */
    char text[1024];   /* address, name, or TXT strings joined */
} cdns_record;

/* Returns the number of records written to out (0 for NXDOMAIN or no data), or -1 when no answer
   came (timeout, refused, server failure). rcode gets the DNS response code when an answer came. */
int cdns_query(const char *name, int type, const char *server, int port, int timeout_sec,
               cdns_record *out, int max, int *rcode);
#endif
