//! Sorting and map building through one compiled sort routine, for the page's size.
//!
//! Every `<[T]>::sort_by` call site with its own closure compiles its own copy of the standard
//! library's stable sort (about 3 KB of wasm each), and so does every `collect()` into a
//! `BTreeMap` (it sorts the pairs first, with a closure typed by the iterator). These helpers
//! sort positions (`usize`) with the caller's comparison behind `dyn`, so the sort itself is
//! compiled once, then move the elements into place by swaps. The result is the same as the
//! standard library's: a stable sort, and for maps the last value of a repeated key.
//! Use them outside hot loops; the scheduler and controllers keep `sort_by` where speed counts.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Stable sort by a comparison, as `<[T]>::sort_by`.
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let order = {
        let items: &[T] = v;
        sorted_positions(items.len(), &mut |a, b| cmp(&items[a], &items[b]))
    };
    permute(order, &mut |a, b| v.swap(a, b));
}

/// Stable sort by a key, as `<[T]>::sort_by_key` (the key is computed per comparison).
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Stable sort in ascending order, as `<[T]>::sort`.
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// A map of the pairs, as `collect::<BTreeMap<_, _>>()`: a repeated key keeps its last value.
pub fn collect_map<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (k, v) in pairs {
        map.insert(k, v);
    }
    map
}

/// A set of the items, as `collect::<BTreeSet<_>>()` (which sorts them first with its own
/// compiled copy of the sort), filled by insertion instead.
pub fn collect_set<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    set.extend(items);
    set
}

/// A JSON object of the pairs, as `collect::<serde_json::Map<_, _>>()` (which collects into a
/// `BTreeMap`): a repeated key keeps its last value.
pub fn collect_json_map(
    pairs: impl IntoIterator<Item = (String, serde_json::Value)>,
) -> serde_json::Map<String, serde_json::Value> {
    let mut map = serde_json::Map::new();
    for (k, v) in pairs {
        map.insert(k, v);
    }
    map
}

/// The positions `0..len` in stably sorted order: the one compiled sort.
#[inline(never)]
fn sorted_positions(len: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// Puts the element at `order[i]` at position `i`, following each cycle of the permutation
/// with swaps.
#[inline(never)]
fn permute(mut order: Vec<usize>, swap: &mut dyn FnMut(usize, usize)) {
    for start in 0..order.len() {
        let mut at = start;
        loop {
            let from = order[at];
            order[at] = at;
            if from == start {
                break;
            }
            swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (no rng stream needed in a unit test).
    fn lcg(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *seed >> 33
    }

    #[test]
    fn sort_by_equals_the_standard_stable_sort() {
        let mut seed = 7;
        for len in 0..80 {
            let v: Vec<(u64, usize)> = (0..len).map(|i| (lcg(&mut seed) % 5, i)).collect();
            let mut ours = v.clone();
            let mut std = v.clone();
            // Only the first field is compared: stability shows in the second.
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            std.sort_by(|a, b| a.0.cmp(&b.0));
            assert_eq!(ours, std, "len {len}");
            let mut ours = v.clone();
            sort_by_key(&mut ours, |x| std::cmp::Reverse(x.0));
            let mut std = v.clone();
            std.sort_by_key(|x| std::cmp::Reverse(x.0));
            assert_eq!(ours, std, "len {len} by key");
        }
    }

    #[test]
    fn sort_orders_strings() {
        let mut v: Vec<String> = ["pod-b", "pod-a", "node", "pod-a"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        sort(&mut v);
        assert_eq!(v, ["node", "pod-a", "pod-a", "pod-b"]);
    }

    #[test]
    fn collect_map_keeps_the_last_value_of_a_repeated_key() {
        let pairs = vec![("app", "web"), ("tier", "front"), ("app", "db")];
        let ours = collect_map(pairs.clone());
        let std: BTreeMap<_, _> = pairs.into_iter().collect();
        assert_eq!(ours, std);
        assert_eq!(ours["app"], "db");
        let json = collect_json_map([
            ("b".to_string(), serde_json::json!(1)),
            ("a".to_string(), serde_json::json!(2)),
            ("b".to_string(), serde_json::json!(3)),
        ]);
        assert_eq!(
            serde_json::Value::Object(json),
            serde_json::json!({"a": 2, "b": 3})
        );
    }
}
