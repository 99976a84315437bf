#!/usr/bin/env bash
# An EST client made of curl and openssl, following RFC 7030's examples step by step: fetch the CA bundle
# without trust and check it against the pin given out of band (section 4.1.1), read the CSR attributes
# (4.5), enroll with HTTP Basic credentials after the server's challenge (4.2.1), re-enroll with the issued
# certificate as TLS client certificate and a new key (4.2.2). Bodies are base64 with line breaks
# ("openssl base64" wraps at 64 columns), application/pkcs10 in and application/pkcs7-mime out; header names
# are checked case-sensitively, as deployed clients do. TLS 1.2, as libest's estclient speaks it.
#
# Environment: EST (https://host:port/.well-known/est), PIN (sha256:...), USER and PASSWORD (the enrollment
# token as Basic credentials), WORK (an empty directory). Prints "ok: ..." per step; exits non-zero at the
# first failure, saying which.
set -euo pipefail
cd "$WORK"
fail() { echo "FAILED: $*" >&2; exit 1; }
header() { # FILE NAME VALUE-PREFIX: the header, with its name spelled exactly so, is there
    grep -q "^$2: $3" "$1" || fail "no \"$2: $3\" in $1: $(tr -d '\r' < "$1" | tr '\n' '|')"
}

# 4.1.1: bootstrap. No trust yet (-k); the bundle is checked against the pin instead.
code=$(curl -sS -k --tls-max 1.2 -D cacerts.h -o cacerts.b64 -w '%{http_code}' "$EST/cacerts")
[ "$code" = 200 ] || fail "cacerts: HTTP $code"
header cacerts.h Content-Type "application/pkcs7-mime"
header cacerts.h Content-Transfer-Encoding base64
openssl base64 -d -in cacerts.b64 -out cacerts.p7
openssl pkcs7 -inform DER -in cacerts.p7 -print_certs -out bundle.pem
awk '/-----BEGIN CERTIFICATE-----/ { n++ } n { print > ("bundle-" n ".pem") }' bundle.pem
for c in bundle-*.pem; do
    pin="sha256:$(openssl x509 -in "$c" -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)"
    if [ "$pin" = "$PIN" ]; then cp "$c" ca.pem; fi
done
[ -e ca.pem ] || fail "no CA in cacerts has the pin $PIN"
echo "ok: cacerts holds the pinned CA"

# 4.5: what to put in the CSR.
code=$(curl -sS --cacert ca.pem --tls-max 1.2 -D csrattrs.h -o csrattrs.b64 -w '%{http_code}' "$EST/csrattrs")
[ "$code" = 200 ] || fail "csrattrs: HTTP $code"
header csrattrs.h Content-Type application/csrattrs
openssl base64 -d -in csrattrs.b64 | openssl asn1parse -inform DER > csrattrs.txt
grep -q "prime256v1" csrattrs.txt || fail "csrattrs does not ask for P-256: $(cat csrattrs.txt)"
grep -q "ecdsa-with-SHA256" csrattrs.txt || fail "csrattrs does not name ecdsa-with-SHA256"
echo "ok: csrattrs asks for EC P-256 and ecdsa-with-SHA256"

# 4.2.1: simpleenroll. A key made here, the CSR in base64 with line breaks.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem -subj /CN=device-1 \
    -outform DER -out csr.der 2>/dev/null
openssl base64 -in csr.der -out csr.b64
[ "$(wc -l < csr.b64)" -gt 1 ] || fail "the CSR should span several lines"
code=$(curl -sS --cacert ca.pem --tls-max 1.2 -D challenge.h -o /dev/null -w '%{http_code}' \
    -H "Content-Type: application/pkcs10" --data-binary @csr.b64 "$EST/simpleenroll")
[ "$code" = 401 ] || fail "simpleenroll without credentials: HTTP $code"
header challenge.h WWW-Authenticate "Basic realm="
code=$(curl -sS --cacert ca.pem --tls-max 1.2 --user "$USER:$PASSWORD" -D enroll.h -o cert.b64 -w '%{http_code}' \
    -H "Content-Type: application/pkcs10" --data-binary @csr.b64 "$EST/simpleenroll")
[ "$code" = 200 ] || fail "simpleenroll: HTTP $code: $(cat cert.b64)"
header enroll.h Content-Type "application/pkcs7-mime; smime-type=certs-only"
header enroll.h Content-Transfer-Encoding base64
openssl base64 -d -in cert.b64 -out cert.p7
openssl pkcs7 -inform DER -in cert.p7 -print_certs -out cert.pem
openssl verify -CAfile ca.pem cert.pem >/dev/null || fail "the certificate does not verify with the CA"
[ "$(openssl x509 -in cert.pem -pubkey -noout)" = "$(openssl pkey -in key.pem -pubout)" ] || fail "not for our key"
subject=$(openssl x509 -in cert.pem -noout -subject -nameopt RFC2253)
echo "ok: enrolled as ${subject#subject=}"

# An RSA key this gateway does not certify: 400, naming what it does.
openssl req -new -newkey rsa:3072 -nodes -keyout rsa.pem -subj /CN=device-1 -outform DER -out rsa.der 2>/dev/null
openssl base64 -in rsa.der -out rsa.b64
code=$(curl -sS --cacert ca.pem --tls-max 1.2 --user "$USER:$PASSWORD" -o refused.txt -w '%{http_code}' \
    -H "Content-Type: application/pkcs10" --data-binary @rsa.b64 "$EST/simpleenroll")
[ "$code" = 400 ] || fail "an RSA CSR: HTTP $code"
echo "ok: RSA refused: $(cat refused.txt)"

# 4.2.2: simplereenroll, authenticated by the certificate, with a new key and the same subject.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key2.pem \
    -subj "/${subject#subject=}" -outform DER -out csr2.der 2>/dev/null
openssl base64 -in csr2.der -out csr2.b64
code=$(curl -sS --cacert ca.pem --tls-max 1.2 --cert cert.pem --key key.pem -D reenroll.h -o cert2.b64 \
    -w '%{http_code}' -H "Content-Type: application/pkcs10" --data-binary @csr2.b64 "$EST/simplereenroll")
[ "$code" = 200 ] || fail "simplereenroll: HTTP $code: $(cat cert2.b64)"
header reenroll.h Content-Type "application/pkcs7-mime; smime-type=certs-only"
openssl base64 -d -in cert2.b64 | openssl pkcs7 -inform DER -print_certs -out cert2.pem
openssl verify -CAfile ca.pem cert2.pem >/dev/null || fail "the renewed certificate does not verify"
[ "$(openssl x509 -in cert2.pem -noout -subject -nameopt RFC2253)" = "$subject" ] || fail "another subject"
[ "$(openssl x509 -in cert2.pem -pubkey -noout)" = "$(openssl pkey -in key2.pem -pubout)" ] || fail "not the new key"
echo "ok: re-enrolled with a new key, serial $(openssl x509 -in cert2.pem -noout -serial | cut -d= -f2)"
