//! The agenda: work that falls due at a simulated instant.
//!
//! Ties are broken by insertion order, so two runs with the same inputs pop work in the same
//! order.

use super::SimTime;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A priority queue of `(due, item)` popped in time order, then insertion order.
#[derive(Clone, Debug)]
pub struct Agenda<T: Ord> {
    heap: BinaryHeap<Reverse<(SimTime, u64, T)>>,
    seq: u64,
}

impl<T: Ord> Default for Agenda<T> {
    fn default() -> Self {
        Agenda {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }
}

impl<T: Ord> Agenda<T> {
    /// Schedules `item` at `due`.
    pub fn schedule(&mut self, due: SimTime, item: T) {
        self.seq += 1;
        self.heap.push(Reverse((due, self.seq, item)));
    }
    /// When the next item falls due.
    pub fn next_due(&self) -> Option<SimTime> {
        self.heap.peek().map(|Reverse((t, _, _))| *t)
    }
    /// Pops the next item if it is due at or before `now`.
    pub fn pop_due(&mut self, now: SimTime) -> Option<(SimTime, T)> {
        if self.next_due()? <= now {
            self.heap.pop().map(|Reverse((t, _, item))| (t, item))
        } else {
            None
        }
    }
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}
