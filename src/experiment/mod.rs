//! (being written: the tcp_vs_udp experiment)
