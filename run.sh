#!/usr/bin/env bash
# socklab's two commands:
#   ./run.sh demo   install what is missing, build, and run `capture demo`
#   ./run.sh test   install what is missing and run every test
# Works on a fresh Debian or Ubuntu machine, as root or as a user with sudo,
# with no standard input (CI).
set -euo pipefail
cd "$(dirname "$0")"

# System packages: libpcap for capture; tcpdump and tshark to check the pcap
# files we write; iproute2 and nftables for the two-host network with loss;
# iperf3 and jq for the benchmarks; util-linux (setpriv) for tests
# that run a program as an ordinary user; python3 for the course's Python
# programs (labs/python); chromium, chromium-driver and a font for the
# browser view's tests (capture --web).
PACKAGES=(build-essential pkg-config libpcap-dev tcpdump tshark iproute2 nftables iperf3 jq util-linux curl ca-certificates python3 chromium chromium-driver fonts-dejavu-core time)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_missing() {
  local missing=()
  if command -v dpkg >/dev/null 2>&1; then
    for p in "${PACKAGES[@]}"; do
      dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "run.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # tshark asks whether non-root users may capture; answer no, without a prompt.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | as_root debconf-set-selections
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
      export PATH="$HOME/.cargo/bin:$PATH"
    else
      echo "run.sh: installing the Rust toolchain with rustup"
      curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
      export PATH="$HOME/.cargo/bin:$PATH"
    fi
  fi
}

case "${1:-demo}" in
  demo)
    shift || true
    install_missing
    cargo build --release --bins
    # capture needs root (or CAP_NET_RAW) to open the loopback; it drops
    # back to your user as soon as the capture is open.
    as_root target/release/capture demo "$@"
    ;;
  test)
    install_missing
    # Tests that need root (live captures, network namespaces) say why they
    # skip when not run as root; CI runs as root.
    cargo test --release -- --test-threads=2
    ;;
  *)
    echo "usage: ./run.sh demo | ./run.sh test" >&2
    exit 2
    ;;
esac
