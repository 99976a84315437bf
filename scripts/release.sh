#!/usr/bin/env bash
# release.sh: publishes the packages of one build as a signed apt repository, a signed dnf/yum repository
# and a signed SHA256SUMS, in one directory to be served as it is over HTTPS (or HTTP: apt and dnf check
# the signatures, not the transport).
#
# Usage: scripts/release.sh --out DIR (--key-file FILE | --key ID) [--passphrase-file FILE] [PACKAGE|DIR...]
#   --out DIR               the release directory, made if missing. A later release into the same directory
#                           adds its versions beside the earlier ones; apt and dnf install the newest
#   --key-file FILE         the signing key as gpg --export-secret-keys wrote it (armored or not), mode 0600,
#                           outside this source tree; imported into a temporary keyring deleted at the end
#   --key ID                a secret key of the caller's own gpg instead (GNUPGHOME, gpg-agent, smartcard)
#   --passphrase-file FILE  the key's passphrase, when it has one and no agent is to ask for it
#   PACKAGE|DIR             .deb and .rpm files, or directories holding them (default: dist/target/packages,
#                           where mvn -B -DskipTests package leaves them)
#
# What DIR holds afterwards:
#   outpost-archive-keyring.gpg, .asc  the public key: binary for /etc/apt/keyrings, armored for rpm and dnf
#   deb/pool/main/o/*/*.deb            the .debs byte for byte as built (apt checks them through InRelease)
#   deb/dists/stable/                  InRelease, Release, Release.gpg, main/binary-all/Packages{,.gz}, by-hash/
#   rpm/*.rpm                          the .rpms with rpm's own signature added (header and payload as built)
#   rpm/repodata/                      createrepo_c metadata; repomd.xml.asc signs repomd.xml
#   sbom/*.cdx.json                    each program's CycloneDX SBOM, byte for byte the one in its .deb
#   SHA256SUMS, SHA256SUMS.asc         every package and SBOM above, and a detached signature of the list
# A published file is never replaced: the same version again must have the same header and payload.
#
# Exit status: 0 released; 64 usage error; 65 a published version would change, or DIR is signed with
# another key; 66 a package or key file is missing or unusable; 69 a tool is missing (the message names
# its Debian package); 70 signing or a tool failed; 77 the key file is readable by others or inside this
# source tree.
set -euo pipefail

prog=release
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
suite=stable
say() { printf '%s: %s\n' "$prog" "$*"; }
die() {
    local code=$1
    shift
    printf '%s: %s\n' "$prog" "$*" >&2
    exit "$code"
}
usage() { die 64 "$1 (see scripts/release.sh --help)"; }

out="" key_file="" key_id="" passphrase_file=""
inputs=()
while [ $# -gt 0 ]; do
    case $1 in
        --out) [ $# -ge 2 ] || usage "--out needs a directory"; out=$2; shift 2 ;;
        --key-file) [ $# -ge 2 ] || usage "--key-file needs a file"; key_file=$2; shift 2 ;;
        --key) [ $# -ge 2 ] || usage "--key needs a key id or fingerprint"; key_id=$2; shift 2 ;;
        --passphrase-file) [ $# -ge 2 ] || usage "--passphrase-file needs a file"; passphrase_file=$2; shift 2 ;;
        -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        -*) usage "unknown option $1" ;;
        *) inputs+=("$1"); shift ;;
    esac
done
[ -n "$out" ] || usage "--out is required"
[ -n "$key_file" ] || [ -n "$key_id" ] || usage "a signing key is required: --key-file FILE or --key ID"
[ -z "$key_file" ] || [ -z "$key_id" ] || usage "--key-file and --key exclude each other"
[ ${#inputs[@]} -gt 0 ] || inputs=("$root/dist/target/packages")

for tool in gpg:gnupg gpgv:gpgv gpgconf:gpgconf apt-ftparchive:apt-utils createrepo_c:createrepo-c rpm:rpm \
    rpmsign:rpm rpmkeys:rpm dpkg-deb:dpkg sha256sum:coreutils; do
    command -v "${tool%%:*}" >/dev/null 2>&1 \
        || die 69 "${tool%%:*} is not installed; install it (apt-get install -y ${tool#*:}; ./test.sh does)"
done

# The secret key: never inside the source tree (a stray git add would publish it), never readable by others.
secret_file_ok() {
    local file=$1 what=$2 real
    { [ -f "$file" ] && [ -r "$file" ]; } || die 66 "$what $file does not exist or is not readable"
    real=$(realpath "$file")
    case $real in "$root"/*) die 77 "$what $file is inside the source tree $root; keep it outside, where no commit can take it" ;; esac
    [ $(("0$(stat -L -c %a "$file")" & 077)) -eq 0 ] \
        || die 77 "$what $file is readable by others (mode $(stat -L -c %a "$file")); chmod 600 it"
}
[ -z "$key_file" ] || secret_file_ok "$key_file" "key file"
[ -z "$passphrase_file" ] || secret_file_ok "$passphrase_file" "passphrase file"

debs=() rpms=()
for input in "${inputs[@]}"; do
    if [ -d "$input" ]; then
        while IFS= read -r f; do
            case $f in *.deb) debs+=("$f") ;; *.rpm) rpms+=("$f") ;; esac
        done < <(find "$input" -maxdepth 1 -type f \( -name '*.deb' -o -name '*.rpm' \) | LC_ALL=C sort)
    else
        case $input in
            *.deb) [ -f "$input" ] || die 66 "package $input does not exist"; debs+=("$input") ;;
            *.rpm) [ -f "$input" ] || die 66 "package $input does not exist"; rpms+=("$input") ;;
            *) usage "$input is neither a .deb, an .rpm nor a directory" ;;
        esac
    fi
done
[ $((${#debs[@]} + ${#rpms[@]})) -gt 0 ] \
    || die 66 "no .deb or .rpm in ${inputs[*]}; build them with mvn -B -DskipTests package (dist/target/packages/)"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/outpost-release.XXXXXX")
agent_home=""
cleanup() {
    if [ -n "$agent_home" ]; then gpgconf --homedir "$agent_home" --kill gpg-agent >/dev/null 2>&1 || true; fi
    rm -rf "$scratch"
}
trap cleanup EXIT

# gpg in batch mode; a passphrase file goes through loopback pinentry, otherwise the agent asks as it would.
pass=()
[ -z "$passphrase_file" ] || pass=(--pinentry-mode loopback --passphrase-file "$(realpath "$passphrase_file")")
g() { gpg --batch --no-tty --quiet "$@"; }
if [ -n "$key_file" ]; then
    export GNUPGHOME=$scratch/gnupg
    install -d -m 0700 "$GNUPGHOME"
    agent_home=$GNUPGHOME
    g "${pass[@]}" --import "$key_file" 2>"$scratch/import.log" \
        || die 66 "key file $key_file is not a secret key gpg can import: $(tail -n 3 "$scratch/import.log")"
    key_id=""
fi
mapfile -t fprs < <(g --with-colons --list-secret-keys ${key_id:+"$key_id"} 2>/dev/null | awk -F: '/^sec/ { s = 1; next } s && /^fpr/ { print $10; s = 0 }')
case ${#fprs[@]} in
    0) die 66 "no secret key ${key_id:-in $key_file}; gpg --list-secret-keys shows the keys it has" ;;
    1) fpr=${fprs[0]} ;;
    *) die 66 "${key_id:-$key_file} names ${#fprs[@]} secret keys (${fprs[*]}); name the one to sign with by its fingerprint" ;;
esac
uid=$(g --with-colons --list-keys "$fpr" | awk -F: '/^uid/ { print $10; exit }')
sign() { g "${pass[@]}" --yes --local-user "$fpr" --digest-algo SHA512 "$@"; }
# One signature first, so that a wrong passphrase or a missing agent stops the release before anything changes.
printf 'outpost release check\n' >"$scratch/probe"
sign --detach-sign -o "$scratch/probe.sig" "$scratch/probe" 2>"$scratch/sign.log" \
    || die 70 "gpg cannot sign with $fpr: $(tail -n 3 "$scratch/sign.log")"

mkdir -p "$out"
out=$(cd "$out" && pwd)
g --export --export-options export-minimal "$fpr" >"$scratch/keyring.gpg"
g --armor --export --export-options export-minimal "$fpr" >"$scratch/keyring.asc"
if [ -f "$out/outpost-archive-keyring.gpg" ]; then
    published=$(gpg --batch --with-colons --show-keys "$out/outpost-archive-keyring.gpg" 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }')
    [ "$published" = "$fpr" ] || die 65 "$out is signed with key $published, not $fpr: hosts that trust it would refuse this release; release into a new directory to change keys"
fi
cp "$scratch/keyring.gpg" "$out/outpost-archive-keyring.gpg"
cp "$scratch/keyring.asc" "$out/outpost-archive-keyring.asc"
chmod 0644 "$out/outpost-archive-keyring.gpg" "$out/outpost-archive-keyring.asc"
# Every signature made below is checked with the published key before it is published.
verify() { gpgv --keyring "$out/outpost-archive-keyring.gpg" "$@" >/dev/null 2>&1; }

# 1. The .debs go into the pool as they are; their SBOMs beside them.
install -d "$out/deb/pool/main" "$out/deb/dists/$suite/main/binary-all" "$out/sbom"
for deb in "${debs[@]}"; do
    name=$(dpkg-deb --field "$deb" Package 2>/dev/null) || die 66 "$deb is not a .deb dpkg-deb can read"
    version=$(dpkg-deb --field "$deb" Version)
    # Debian's pool layout: pool/COMPONENT/INITIAL/PACKAGE/.
    dest=$out/deb/pool/main/${name:0:1}/$name/$(basename "$deb")
    if [ -f "$dest" ]; then
        cmp -s "$deb" "$dest" || die 65 "$dest is published with other contents; a version is never replaced: build a new version"
        say "$(basename "$deb") is published already"
    else
        install -D -m 0644 "$deb" "$dest"
        say "published $(basename "$deb")"
    fi
    bom=$out/sbom/${name}_$version.cdx.json
    if dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/share/doc/$name/$name.cdx.json" >"$scratch/bom" 2>/dev/null; then
        [ ! -f "$bom" ] || cmp -s "$scratch/bom" "$bom" || die 65 "$bom is published with other contents"
        install -m 0644 "$scratch/bom" "$bom"
    fi
done

# 2. The .rpms signed with rpm's own signature, checked, then published.
install -d "$out/rpm" "$scratch/rpmdb"
rpmkeys --dbpath "$scratch/rpmdb" --import "$out/outpost-archive-keyring.asc" || die 70 "rpmkeys cannot import the public key of $fpr"
rpmsign_args=(--define "__gpg $(command -v gpg)" --define "_gpg_name $fpr" --define "_gpg_digest_algo sha512"
    --define "_gpg_sign_cmd_extra_args --batch --no-tty ${pass[*]}")
[ -z "${GNUPGHOME:-}" ] || rpmsign_args+=(--define "_gpg_path $GNUPGHOME")
for rpm in "${rpms[@]}"; do
    dest=$out/rpm/$(basename "$rpm")
    header=$(rpm -qp --qf '%{SHA256HEADER}' "$rpm" 2>/dev/null) || die 66 "$rpm is not an .rpm rpm can read"
    if [ -f "$dest" ]; then
        [ "$(rpm -qp --qf '%{SHA256HEADER}' "$dest" 2>/dev/null)" = "$header" ] \
            || die 65 "$dest is published with another header or payload; a version is never replaced: build a new version"
        say "$(basename "$rpm") is published already"
        continue
    fi
    cp "$rpm" "$scratch/signing.rpm"
    rpmsign "${rpmsign_args[@]}" --addsign "$scratch/signing.rpm" >"$scratch/rpmsign.log" 2>&1 \
        || die 70 "rpmsign failed on $rpm: $(tail -n 3 "$scratch/rpmsign.log")"
    { rpmkeys --dbpath "$scratch/rpmdb" --checksig "$scratch/signing.rpm" >"$scratch/checksig.log" 2>&1 \
        && grep -q ': digests signatures OK$' "$scratch/checksig.log"; } \
        || die 70 "the signed $(basename "$rpm") does not verify: $(cat "$scratch/checksig.log")"
    # Its time on the server is its build time, whenever it was signed.
    touch -d "@$(rpm -qp --qf '%{BUILDTIME}' "$rpm")" "$scratch/signing.rpm"
    install -m 0644 -p "$scratch/signing.rpm" "$dest"
    say "signed and published $(basename "$rpm")"
done

# 3. The apt repository's indices, Packages found by hash as well (no mismatch while a mirror syncs).
(
    cd "$out/deb"
    dir=dists/$suite/main/binary-all
    apt-ftparchive packages pool/main >"$scratch/Packages" || die 70 "apt-ftparchive packages failed"
    gzip -9 -n -c "$scratch/Packages" >"$scratch/Packages.gz"
    install -d "$dir/by-hash/SHA256"
    for f in Packages Packages.gz; do
        cp "$scratch/$f" "$dir/by-hash/SHA256/$(sha256sum "$scratch/$f" | cut -d' ' -f1)"
        mv "$scratch/$f" "$dir/$f"
    done
    cd "dists/$suite"
    # SHA-256 only, the hash by-hash/ has (apt fetches by the strongest hash listed), of the indices only.
    apt-ftparchive -o APT::FTPArchive::Release::MD5=false -o APT::FTPArchive::Release::SHA1=false \
        -o APT::FTPArchive::Release::SHA512=false -o APT::FTPArchive::Release::Default-Patterns=false \
        -o APT::FTPArchive::Release::Patterns::=Packages -o APT::FTPArchive::Release::Patterns::=Packages.gz \
        -o APT::FTPArchive::Release::Origin=Outpost -o APT::FTPArchive::Release::Label=Outpost \
        -o "APT::FTPArchive::Release::Suite=$suite" -o "APT::FTPArchive::Release::Codename=$suite" \
        -o APT::FTPArchive::Release::Architectures=all -o APT::FTPArchive::Release::Components=main \
        -o APT::FTPArchive::Release::Acquire-By-Hash=yes -o "APT::FTPArchive::Release::Signed-By=$fpr" \
        -o "APT::FTPArchive::Release::Description=Outpost host metrics agent and gateway" \
        release . >"$scratch/Release" || die 70 "apt-ftparchive release failed"
    sign --clearsign -o "$scratch/InRelease" "$scratch/Release" 2>"$scratch/sign.log" || die 70 "signing InRelease: $(cat "$scratch/sign.log")"
    sign --detach-sign -o "$scratch/Release.gpg" "$scratch/Release" 2>"$scratch/sign.log" || die 70 "signing Release.gpg: $(cat "$scratch/sign.log")"
    { verify "$scratch/InRelease" && verify "$scratch/Release.gpg" "$scratch/Release"; } || die 70 "the new InRelease does not verify with $fpr"
    # InRelease last: a client reading mid-way sees the previous, still consistent, set.
    mv "$scratch/Release" Release
    mv "$scratch/Release.gpg" Release.gpg
    mv "$scratch/InRelease" InRelease
)
say "signed the apt repository (deb/dists/$suite/InRelease)"

# 4. The rpm repository's metadata, and repomd.xml signed for repo_gpgcheck=1.
createrepo_c --quiet --update --no-database "$out/rpm" >"$scratch/createrepo.log" 2>&1 \
    || die 70 "createrepo_c failed: $(tail -n 3 "$scratch/createrepo.log")"
sign --armor --detach-sign -o "$scratch/repomd.xml.asc" "$out/rpm/repodata/repomd.xml" 2>"$scratch/sign.log" \
    || die 70 "signing repomd.xml: $(cat "$scratch/sign.log")"
verify "$scratch/repomd.xml.asc" "$out/rpm/repodata/repomd.xml" || die 70 "the new repomd.xml.asc does not verify with $fpr"
mv "$scratch/repomd.xml.asc" "$out/rpm/repodata/repomd.xml.asc"
say "signed the rpm repository (rpm/repodata/repomd.xml.asc)"

# 5. SHA256SUMS of every package and SBOM published, with a detached signature.
(
    cd "$out"
    find deb/pool rpm sbom -maxdepth 4 -type f \( -name '*.deb' -o -name '*.rpm' -o -name '*.cdx.json' \) \
        ! -path 'rpm/repodata/*' | LC_ALL=C sort | xargs -r -d '\n' sha256sum -- >"$scratch/SHA256SUMS"
    sign --armor --detach-sign -o "$scratch/SHA256SUMS.asc" "$scratch/SHA256SUMS" 2>"$scratch/sign.log" \
        || die 70 "signing SHA256SUMS: $(cat "$scratch/sign.log")"
    verify "$scratch/SHA256SUMS.asc" "$scratch/SHA256SUMS" || die 70 "the new SHA256SUMS.asc does not verify with $fpr"
    mv "$scratch/SHA256SUMS" SHA256SUMS
    mv "$scratch/SHA256SUMS.asc" SHA256SUMS.asc
)
say "signed SHA256SUMS ($(wc -l <"$out/SHA256SUMS") files)"
say "$out is ready to serve; signing key $fpr ($uid)"
