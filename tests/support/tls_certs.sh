#!/usr/bin/env bash
# Makes throwaway TLS certificates for tests, with the openssl CLI, in DIR
# (created if missing). Nothing here is ever committed; every key is new.
#
#   tls_certs.sh DIR
#
#   ca.pem, ca.key            a test CA
#   server.pem, server.key    signed by it; names 127.0.0.1, ::1, localhost
#   client.pem, client.key    signed by it; for client-certificate tests
#   expired.pem, expired.key  signed by it, for 127.0.0.1, valid only in 2020
#   other-ca.pem              another CA, which signed nothing here
#   stranger.pem, .key        signed by other-ca, for 127.0.0.1
#   server-combined.pem       server.pem followed by server.key (one file)
#
# EC P-256 keys: fast to make. Exit status non-zero on any failure.
set -euo pipefail
dir=${1:?usage: tls_certs.sh DIR}
mkdir -p "$dir"
cd "$dir"

key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null; }

make_ca() {  # name subject
    key "$1.key"
    openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 2 -sha256 \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1.pem" 2>/dev/null
}

make_leaf() {  # name ca subject san [extra x509 options...]
    local name=$1 ca=$2 subject=$3 san=$4
    shift 4
    key "$name.key"
    openssl req -new -key "$name.key" -subj "/CN=$subject" -out "$name.csr" 2>/dev/null
    printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$san" >"$name.ext"
    openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
        -sha256 -extfile "$name.ext" -out "$name.pem" "$@" 2>/dev/null
    rm -f "$name.csr" "$name.ext"
}

make_ca ca "nanoport test CA"
make_ca other-ca "nanoport other test CA"
make_leaf server ca 127.0.0.1 "IP:127.0.0.1,IP:::1,DNS:localhost" -days 2
make_leaf client ca "nanoport test client" "DNS:client.invalid" -days 2
make_leaf stranger other-ca 127.0.0.1 "IP:127.0.0.1,DNS:localhost" -days 2

# Expired: signed through `openssl ca`, which takes explicit dates.
mkdir -p ca-db
: >ca-db/index.txt
cat >ca-db/openssl.cnf <<CNF
[ca]
default_ca = test
[test]
database = ca-db/index.txt
new_certs_dir = ca-db
serial = ca-db/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = copy
[anything]
commonName = supplied
CNF
echo 01 >ca-db/serial
key expired.key
openssl req -new -key expired.key -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -out expired.csr 2>/dev/null
openssl ca -batch -config ca-db/openssl.cnf -cert ca.pem -keyfile ca.key -in expired.csr \
    -startdate 20200101000000Z -enddate 20200102000000Z -out expired.pem 2>/dev/null
rm -rf expired.csr ca-db ca.srl other-ca.srl

cat server.pem server.key >server-combined.pem
