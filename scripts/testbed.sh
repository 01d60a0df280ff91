#!/usr/bin/env bash
# The test bed: real mail servers on 127.0.0.1 for the integration tests (root, no systemd needed).
#   Dovecot  IMAP 127.0.0.1:10143 (STARTTLS), IMAPS :10993, LMTP :10024, SASL auth :10012
#   Postfix  submission :10587 (STARTTLS required + AUTH through Dovecot), plain SMTP :10025
#            every message is delivered by LMTP into Dovecot; recipients outside example.test land in sink@example.test
#   dnsmasq  DNS :10053 (UDP+TCP): A records of the lookup fixtures (spam URL hosts, nameservers)
#   Dovecot "strict": IMAPS :10995 only, a mailbox as some providers have it: OAuth 2.0 logins alone
#            (XOAUTH2, OAUTHBEARER; the bearer token is a JWT checked against a local key), folders
#            named in Japanese and found only by SPECIAL-USE (迷惑メール \Junk, 下書き \Drafts,
#            送信済み \Sent), and no keywords kept (its ACL grants no "w": PERMANENTFLAGS without \*).
#            User oauth1@example.test; its token is in $S/token.
#   openssl s_server: TLS that must be refused: :10996 an expired certificate, :10997 a certificate
#            for another name (each trusted by its own ca_file, so only the date or the name is wrong)
# Users: user1..user32@example.test (password "secret"), sink@example.test ("sink").
# Usage: scripts/testbed.sh start | stop.  Writes $BASE/env (KEY=VALUE lines) that the tests read.
set -euo pipefail
BASE=${WATCHER_TESTBED:-/tmp/watcher-testbed}
D=$BASE/dovecot; P=$BASE/postfix; N=$BASE/dns; MAIL=$BASE/mail; S=$BASE/strict; X=$BASE/tls; R=$BASE/restart

stop_pidfile() {   # stop one daemon by its pid file and wait until it is gone (at most 5 s)
  local f=$1 pid; [ -f "$f" ] || return 0; pid=$(tr -d ' \n' < "$f")
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
}
stop_all() {
  stop_pidfile "$D/run/master.pid"
  stop_pidfile "$S/run/master.pid"
  stop_pidfile "$R/run/master.pid"
  # A master whose pid file is gone (a test restarted it as its pid file was being replaced) still holds its sockets.
  pkill -TERM -f "dovecot -c $BASE/" 2>/dev/null || true
  for _ in $(seq 1 100); do pgrep -f "dovecot -c $BASE/" >/dev/null || break; sleep 0.05; done
  if [ -f "$P/etc/main.cf" ]; then postfix -c "$P/etc" stop >/dev/null 2>&1 || true; fi
  stop_pidfile "$P/queue/pid/master.pid"
  stop_pidfile "$N/dnsmasq.pid"
  stop_pidfile "$X/expired.pid"
  stop_pidfile "$X/wrong-name.pid"
}

namespace_block() {   # the folders of a Dovecot instance: its \Junk, \Drafts and \Sent names
  cat <<C
namespace inbox {
  inbox = yes
  separator = /
  mailbox $2 {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox $1 {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox $3 {
    special_use = \\Sent
    auto = subscribe
  }
}
C
}

password_users() {   # the test users with their passwords, as the main and the restartable Dovecot log them in
  cat <<C
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_max_userip_connections = 100
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $D/users
}
mail_location = maildir:~/Maildir
C
}

case "${1:-start}" in
  stop) stop_all; exit 0 ;;
  start) ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

if ! command -v dovecot >/dev/null || ! command -v postfix >/dev/null || [ ! -e /usr/lib/dovecot/lmtp ] || ! command -v dnsmasq >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    dovecot-imapd dovecot-lmtpd postfix dnsmasq-base openssl >/dev/null
fi

stop_all
# A master that was killed may stay a zombie a while (its parent is init): its pid file would make the
# new one refuse to start.
rm -f "$D/run/master.pid" "$S/run/master.pid"
rm -rf "$MAIL"
mkdir -p "$D/run" "$D/state" "$P/etc" "$P/queue" "$P/data" "$N" "$MAIL"
id vmail >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin vmail
VUID=$(id -u vmail); VGID=$(id -g vmail)
chown vmail:vmail "$MAIL"; chown postfix "$P/data"

[ -f "$D/cert.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$D/key.pem" -out "$D/cert.pem" 2>/dev/null
chmod 644 "$D/cert.pem"

: > "$D/users"
for i in $(seq 1 32); do
  # user30's mailbox holds 40 KB at most (the quota test fills it).
  quota=""; [ "$i" = 30 ] && quota="::userdb_quota_rule=*:storage=40K"
  echo "user$i@example.test:{PLAIN}secret:$VUID:$VGID::$MAIL/user$i@example.test$quota" >> "$D/users"
done
echo "sink@example.test:{PLAIN}sink:$VUID:$VGID::$MAIL/sink@example.test" >> "$D/users"

cat > "$D/dovecot.conf" <<C
protocols = imap lmtp
listen = 127.0.0.1
base_dir = $D/run
state_dir = $D/state
instance_name = watcher-testbed
log_path = $D/dovecot.log
ssl = yes
ssl_cert = <$D/cert.pem
ssl_key = <$D/key.pem
$(password_users)
mail_plugins = quota
protocol imap {
  mail_plugins = quota imap_quota
}
plugin {
  quota = maildir:User quota
}
$(namespace_block Junk Drafts Sent)
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = 10143
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = 10993
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = 10024
  }
}
service auth {
  inet_listener {
    address = 127.0.0.1
    port = 10012
  }
}
C
# Daemons must not keep the caller's stdout/stderr open, or whatever reads this script's output waits forever.
dovecot -c "$D/dovecot.conf" </dev/null >>"$D/start.log" 2>&1 || { cat "$D/start.log"; exit 1; }

# The strict Dovecot: its own base, ports, users and key.
mkdir -p "$S/keys/default/HS256" "$S/run" "$S/state"
chmod 755 "$S" "$S/run"
openssl rand -out "$S/key.bin" 32
base64 -w0 < "$S/key.bin" > "$S/keys/default/HS256/default"  # the dict's key shared/default/HS256/default
key=$(od -An -tx1 -v < "$S/key.bin" | tr -d ' \n')
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header=$(printf '{"alg":"HS256","typ":"JWT","kid":"default"}' | b64url)
payload=$(printf '{"sub":"oauth1@example.test","email":"oauth1@example.test","iat":%d,"exp":%d}' "$((now - 60))" "$((now + 86400 * 30))" | b64url)
signature=$(printf '%s' "$header.$payload" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | b64url)
printf '%s' "$header.$payload.$signature" > "$S/token"
echo "oauth1@example.test::$VUID:$VGID::$MAIL/oauth1@example.test" > "$S/users"
printf '%s\n' '* owner lrstipekxa' > "$S/dovecot-acl"
cat > "$S/oauth2.conf.ext" <<C
introspection_mode = local
local_validation_key_dict = fs:posix:prefix=$S/keys/
username_attribute = email
C
cat > "$S/dovecot.conf" <<C
protocols = imap
listen = 127.0.0.1
base_dir = $S/run
state_dir = $S/state
instance_name = watcher-testbed-strict
log_path = $S/dovecot.log
ssl = required
ssl_cert = <$D/cert.pem
ssl_key = <$D/key.pem
auth_mechanisms = xoauth2 oauthbearer
auth_failure_delay = 0
mail_max_userip_connections = 100
mail_plugins = acl
plugin {
  acl = vfile:$S/dovecot-acl
}
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $S/oauth2.conf.ext
}
userdb {
  driver = passwd-file
  args = username_format=%u $S/users
}
mail_location = maildir:~/Maildir
$(namespace_block 迷惑メール 下書き 送信済み)
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = 10995
    ssl = yes
  }
}
service auth {
  unix_listener auth-userdb {
    mode = 0600
  }
}
C
dovecot -c "$S/dovecot.conf" </dev/null >>"$S/start.log" 2>&1 || { cat "$S/start.log"; exit 1; }

# The restartable Dovecot: the same users and mailboxes on plain IMAP (no TLS, so the tests' proxy sees
# each command and can restart this instance at the moment a FETCH, an APPEND or an IDLE goes by),
# with a base of its own so that restarting it leaves the main instance alone.
mkdir -p "$R/run" "$R/state"
cat > "$R/dovecot.conf" <<C
protocols = imap
listen = 127.0.0.1
base_dir = $R/run
state_dir = $R/state
instance_name = watcher-testbed-restart
log_path = $R/dovecot.log
ssl = no
$(password_users)
$(namespace_block Junk Drafts Sent)
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = 10146
  }
  inet_listener imaps {
    port = 0
  }
}
service auth {
  unix_listener auth-userdb {
    mode = 0600
  }
}
C
rm -f "$R/run/master.pid"
dovecot -c "$R/dovecot.conf" </dev/null >>"$R/start.log" 2>&1 || { cat "$R/start.log"; exit 1; }

cat > "$P/etc/main.cf" <<C
compatibility_level = 3.6
queue_directory = $P/queue
data_directory = $P/data
maillog_file_prefixes = /var, /dev/stdout, $P
maillog_file = $P/maillog
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.test
mydomain = example.test
myorigin = \$mydomain
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_recipient_maps =
virtual_mailbox_domains = example.test
virtual_transport = lmtp:inet:127.0.0.1:10024
virtual_alias_maps = regexp:$P/etc/virtual_alias.regexp
virtual_alias_domains =
default_transport = error:no outside delivery in tests
relay_transport = error:no outside delivery in tests
disable_dns_lookups = yes
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtpd_peername_lookup = no
biff = no
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:10012
smtpd_sasl_auth_enable = no
smtpd_tls_cert_file = $D/cert.pem
smtpd_tls_key_file = $D/key.pem
smtpd_tls_security_level = may
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access regexp:$P/etc/refusals.regexp
C
# Desks that answer as real servers do when they will not take a report now (4xx) or ever (5xx);
# 421 closes the connection.
cat > "$P/etc/refusals.regexp" <<'C'
/^busy450@/     450 4.2.1 Mailbox busy, try again later
/^local451@/    451 4.3.0 Local error in processing
/^full452@/     452 4.2.2 Mailbox full
/^closing421@/  421 4.7.0 Service closing transmission channel
/^nouser550@/   550 5.1.1 No such user here
/^refused554@/  554 5.7.1 Reports not accepted at this address
C
printf '%s\n' '!/@example\.test$/   sink@example.test' > "$P/etc/virtual_alias.regexp"
sed -e 's/^\(\S\+\s\+\S\+\s\+\S\+\s\+\S\+\s\+\)y\(\s\)/\1n\2/' \
    -e 's/^smtp      inet/127.0.0.1:10025 inet/' /etc/postfix/master.cf > "$P/etc/master.cf"
cat >> "$P/etc/master.cf" <<C
127.0.0.1:10587 inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
C
postfix -c "$P/etc" start </dev/null >/dev/null 2>&1 || { script -qc "postfix -c $P/etc check" /dev/null; exit 1; }

# DNS for the lookup tests: the spam domains' hosts and nameservers have public-looking addresses
# (nothing ever connects to them), and trap.example.com points at a loopback listener that proves it.
cat > "$N/dnsmasq.conf" <<C
port=10053
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
no-poll
log-facility=$N/dnsmasq.log
host-record=v42ycn-wtn3.jp,157.7.44.10
host-record=hecff-i99sq.jp,157.7.44.11
host-record=ns1.tg5ns.info,45.32.100.5
host-record=ns2.tg5ns.info,45.32.100.6
host-record=trap.example.com,127.0.0.1
host-record=shop.spam-example.com,104.21.8.9
txt-record=9.8.21.104.abuse-contacts.abusix.zone,"abuse@cdn.example.net"
C
dnsmasq --conf-file="$N/dnsmasq.conf" --pid-file="$N/dnsmasq.pid" </dev/null >>"$N/start.log" 2>&1 || { cat "$N/start.log"; exit 1; }

# TLS servers whose certificates must be refused; they never get as far as IMAP.
mkdir -p "$X"
if [ ! -f "$X/expired.pem" ]; then
  openssl req -new -newkey rsa:2048 -nodes -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$X/expired-key.pem" -out "$X/expired.csr" 2>/dev/null
  openssl x509 -req -in "$X/expired.csr" -signkey "$X/expired-key.pem" -days -1 -copy_extensions copy -out "$X/expired.pem" 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=mail.example.org" -addext "subjectAltName=DNS:mail.example.org" \
    -keyout "$X/wrong-name-key.pem" -out "$X/wrong-name.pem" 2>/dev/null
fi
for name in expired:10996 wrong-name:10997; do
  setsid openssl s_server -quiet -accept "127.0.0.1:${name#*:}" -cert "$X/${name%%:*}.pem" -key "$X/${name%%:*}-key.pem" \
    </dev/null >/dev/null 2>&1 &
  echo $! > "$X/${name%%:*}.pid"
done

for port in 10143 10993 10995 10146 10996 10997 10024 10012 10587 10053; do
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
  (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || { echo "testbed: port $port did not open" >&2; exit 1; }
done
# After failed logins Dovecot delays later logins from the same address; without this socket it does not.
rm -f "$D/run/anvil-auth-penalty"

cat > "$BASE/env" <<E
IMAP_URL=imap://127.0.0.1:10143
IMAPS_URL=imaps://127.0.0.1:10993
SMTP_URL=smtp://127.0.0.1:10587
CA_FILE=$D/cert.pem
USERS=$(seq -f "user%g@example.test" -s, 1 32)
PASSWORD=secret
SINK_USER=sink@example.test
SINK_PASSWORD=sink
MAILDIR_ROOT=$MAIL
DNS_SERVER=127.0.0.1:10053
DOVECOT_LOG=$D/dovecot.log
POSTFIX_LOG=$P/maillog
STRICT_IMAPS_URL=imaps://127.0.0.1:10995
RESTART_IMAP_URL=imap://127.0.0.1:10146
RESTART_DOVECOT_CONF=$R/dovecot.conf
STRICT_USER=oauth1@example.test
STRICT_TOKEN_FILE=$S/token
EXPIRED_TLS_URL=imaps://127.0.0.1:10996
EXPIRED_TLS_CA=$X/expired.pem
WRONG_NAME_TLS_URL=imaps://127.0.0.1:10997
WRONG_NAME_TLS_CA=$X/wrong-name.pem
E
echo "testbed: Dovecot, Postfix and dnsmasq listening on 127.0.0.1 ($BASE/env)"
