//! What the receiver counts, message by message, and the statistics made of
//! it. Pure: times come in with each message.

/// How one data message arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// First copy, in order (no higher sequence number seen before it).
    InOrder,
    /// First copy, but a message with a higher sequence number came first.
    Reordered,
    /// A copy of a message already received.
    Duplicate,
    /// A sequence number outside the workload (0..messages): not counted.
    OutOfRange,
}

/// The receiver's running count.
#[derive(Clone, Debug)]
pub struct Tally {
    /// One bit per sequence number: received at least once.
    seen: Vec<u64>,
    messages: u64,
    highest: Option<u64>,
    delivered: u64,
    duplicated: u64,
    reordered: u64,
    out_of_range: u64,
    /// One-way latency of each first copy, in nanoseconds.
    latencies_ns: Vec<u64>,
    first_recv_ns: Option<u64>,
    last_recv_ns: Option<u64>,
}

impl Tally {
    /// A tally for a workload of `messages` messages (sequence numbers
    /// `0..messages`).
    pub fn new(messages: u64) -> Tally {
        Tally {
            seen: vec![0; messages.div_ceil(64) as usize],
            messages,
            highest: None,
            delivered: 0,
            duplicated: 0,
            reordered: 0,
            out_of_range: 0,
            latencies_ns: Vec::new(),
            first_recv_ns: None,
            last_recv_ns: None,
        }
    }

    /// Count message `seq`, sent at `sent_ns` and received at `recv_ns`
    /// (both wall-clock nanoseconds).
    pub fn record(&mut self, seq: u64, sent_ns: u64, recv_ns: u64) -> Arrival {
        if seq >= self.messages {
            self.out_of_range += 1;
            return Arrival::OutOfRange;
        }
        let (word, bit) = ((seq / 64) as usize, 1u64 << (seq % 64));
        if self.seen[word] & bit != 0 {
            self.duplicated += 1;
            return Arrival::Duplicate;
        }
        self.seen[word] |= bit;
        self.delivered += 1;
        self.latencies_ns.push(recv_ns.saturating_sub(sent_ns));
        self.first_recv_ns.get_or_insert(recv_ns);
        self.last_recv_ns = Some(recv_ns);
        let arrival = match self.highest {
            Some(h) if seq < h => {
                self.reordered += 1;
                Arrival::Reordered
            }
            _ => Arrival::InOrder,
        };
        self.highest = Some(self.highest.map_or(seq, |h| h.max(seq)));
        arrival
    }

    /// Messages received so far (first copies).
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// The summary the report is made of.
    pub fn summary(mut self) -> Summary {
        self.latencies_ns.sort_unstable();
        let ms = |q: f64| percentile(&self.latencies_ns, q).map(|ns| ns as f64 / 1e6);
        Summary {
            delivered: self.delivered,
            duplicated: self.duplicated,
            reordered: self.reordered,
            out_of_range: self.out_of_range,
            first_recv_ns: self.first_recv_ns,
            last_recv_ns: self.last_recv_ns,
            p50_ms: ms(0.50),
            p99_ms: ms(0.99),
        }
    }
}

/// What the receiver reports at the end.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// Distinct messages received.
    pub delivered: u64,
    /// Extra copies received.
    pub duplicated: u64,
    /// Messages that arrived after one with a higher sequence number.
    pub reordered: u64,
    /// Messages with a sequence number outside the workload.
    pub out_of_range: u64,
    /// Wall-clock time of the first and last delivery, ns since 1970.
    pub first_recv_ns: Option<u64>,
    pub last_recv_ns: Option<u64>,
    /// Median one-way latency, milliseconds.
    pub p50_ms: Option<f64>,
    /// 99th percentile one-way latency, milliseconds.
    pub p99_ms: Option<f64>,
}

/// The `q` quantile (0..=1) of sorted values, nearest-rank method: the
/// smallest value with at least `q` of the values at or below it.
pub fn percentile(sorted: &[u64], q: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The 95% interval of the loss fraction measured over `n` messages when
/// each is lost independently with probability `p` (binomial, normal
/// approximation): `p ± 1.96·sqrt(p(1−p)/n)`, clamped to 0..=1.
pub fn loss_interval_95(p: f64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let half = 1.96 * (p * (1.0 - p) / n as f64).sqrt();
    ((p - half).max(0.0), (p + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_delivered_duplicates_and_reordering() {
        let mut t = Tally::new(10);
        assert_eq!(t.record(0, 100, 1_100), Arrival::InOrder);
        assert_eq!(t.record(2, 200, 1_200), Arrival::InOrder);
        assert_eq!(t.record(1, 150, 1_300), Arrival::Reordered, "1 after 2");
        assert_eq!(t.record(2, 200, 1_400), Arrival::Duplicate);
        assert_eq!(t.record(10, 0, 1_500), Arrival::OutOfRange);
        assert_eq!(t.record(3, 300, 1_600), Arrival::InOrder);
        let s = t.summary();
        assert_eq!(s.delivered, 4);
        assert_eq!(s.duplicated, 1);
        assert_eq!(s.reordered, 1);
        assert_eq!(s.out_of_range, 1);
        assert_eq!(s.first_recv_ns, Some(1_100));
        assert_eq!(s.last_recv_ns, Some(1_600), "the last first copy");
        // Latencies 1000, 1000, 1150, 1300 ns.
        assert_eq!(s.p50_ms, Some(0.001));
        assert_eq!(s.p99_ms, Some(0.0013));
    }

    #[test]
    fn sequence_numbers_on_word_boundaries() {
        let mut t = Tally::new(129);
        for seq in [63, 64, 127, 128, 0] {
            t.record(seq, 0, 1);
        }
        assert_eq!(t.record(64, 0, 1), Arrival::Duplicate);
        assert_eq!(t.record(129, 0, 1), Arrival::OutOfRange);
        assert_eq!(t.delivered(), 5);
    }

    #[test]
    fn nothing_received_has_no_percentiles() {
        let s = Tally::new(5).summary();
        assert_eq!(s.delivered, 0);
        assert_eq!(s.p50_ms, None);
        assert_eq!(s.last_recv_ns, None);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), Some(50));
        assert_eq!(percentile(&v, 0.99), Some(99));
        assert_eq!(percentile(&v, 1.0), Some(100));
        assert_eq!(percentile(&v, 0.0), Some(1));
        assert_eq!(percentile(&[7], 0.99), Some(7));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn binomial_interval_at_ten_percent_of_ten_thousand() {
        let (lo, hi) = loss_interval_95(0.10, 10_000);
        // 1.96 * sqrt(0.1 * 0.9 / 10000) = 0.00588
        assert!((lo - 0.09412).abs() < 1e-5, "{lo}");
        assert!((hi - 0.10588).abs() < 1e-5, "{hi}");
        assert_eq!(loss_interval_95(0.0, 100), (0.0, 0.0));
        assert_eq!(loss_interval_95(1.0, 100), (1.0, 1.0));
    }
}
