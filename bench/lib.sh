# Helpers shared by the bench scripts that start servers on loopback.
# Sourced from the repository's root.

# A TCP port of 127.0.0.1 that no socket uses (listening or not).
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        if ! ss -Htan "sport = :$port" | grep -q .; then
            echo "$port"
            return
        fi
    done
}

# Wait (up to 10 s) until something listens on port $1.
wait_listening() {
    for _ in $(seq 200); do
        ss -Htln "sport = :$1" | grep -q . && return 0
        sleep 0.05
    done
    echo "bench: nothing listens on port $1" >&2
    return 1
}
