//! Sequence-number arithmetic modulo 2^32 (RFC 9293 section 3.4).
//!
//! Sequence numbers wrap: after 4294967295 comes 0. "a is before b" means
//! that going forward from a reaches b in less than half the number space,
//! which is what the signed difference `b - a` says.

/// True when `a` comes strictly before `b` in sequence space.
pub(super) fn lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

/// True when `a` comes before `b` or is `b`.
pub(super) fn le(a: u32, b: u32) -> bool {
    a == b || lt(a, b)
}

/// True when `a` comes strictly after `b`.
pub(super) fn gt(a: u32, b: u32) -> bool {
    lt(b, a)
}

/// True when `a` comes after `b` or is `b`.
pub(super) fn ge(a: u32, b: u32) -> bool {
    le(b, a)
}

/// The later of two sequence numbers.
pub(super) fn max(a: u32, b: u32) -> u32 {
    if lt(a, b) {
        b
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_without_wrap() {
        assert!(lt(1, 2));
        assert!(!lt(2, 2));
        assert!(le(2, 2));
        assert!(gt(3, 2));
        assert!(ge(3, 3));
        assert_eq!(max(7, 9), 9);
    }

    #[test]
    fn comparisons_across_the_wrap() {
        // 4294967290 + 10 wraps to 4: 4 is "after" 4294967290.
        let before_wrap = u32::MAX - 5;
        let after_wrap = before_wrap.wrapping_add(10);
        assert_eq!(after_wrap, 4);
        assert!(lt(before_wrap, after_wrap));
        assert!(gt(after_wrap, before_wrap));
        assert_eq!(max(before_wrap, after_wrap), after_wrap);
        assert_eq!(max(after_wrap, before_wrap), after_wrap);
    }
}
