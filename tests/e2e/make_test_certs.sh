#!/usr/bin/env bash
# Test certificates, generated at test time (never kept in the repository):
# a test CA, a server certificate for 127.0.0.1/localhost, a client
# certificate from that CA, and a rogue CA with its own client certificate.
# Usage: make_test_certs.sh DIR
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
ca() {  # name subject
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" \
    -keyout "$1.key" -out "$1.pem" 2>/dev/null
}
leaf() {  # name subject ca extensions
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf '%s\n' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
ca ca "cgw test CA"
ca rogue-ca "rogue CA"
leaf server "127.0.0.1" ca "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
leaf client "platform-service" ca "extendedKeyUsage=clientAuth"
leaf rogue-client "rogue-service" rogue-ca "extendedKeyUsage=clientAuth"
echo "certificates in $dir"
