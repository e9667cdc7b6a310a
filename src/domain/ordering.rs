//! The ordering invariant: n purposes hold the orders 1..n, each once.
//!
//! These pure functions decide what each mutation does to the orders; the
//! store turns their answers into a bounded number of UPDATE statements.

use std::collections::HashSet;

/// An order outside the range a mutation allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfRange {
    /// The order asked for.
    pub requested: i32,
    /// The largest order allowed (the smallest is always 1).
    pub max: i32,
}

impl OutOfRange {
    /// A sentence a user can act on.
    pub fn message(self) -> String {
        format!(
            "Order must be between 1 and {}, got {}.",
            self.max, self.requested
        )
    }
}

/// A contiguous run of orders that moves by `delta` (+1 or -1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    /// First order of the run.
    pub from: i32,
    /// Last order of the run (inclusive).
    pub to: i32,
    /// +1 to move the run down the list, -1 to move it up.
    pub delta: i32,
}

/// Where a new purpose goes in a collection of `n`: at `requested`
/// (1..=n+1) or appended; the purposes from there on move down by one.
pub fn insert(n: i32, requested: Option<i32>) -> Result<(i32, Option<Shift>), OutOfRange> {
    let position = requested.unwrap_or(n + 1);
    if !(1..=n + 1).contains(&position) {
        return Err(OutOfRange {
            requested: position,
            max: n + 1,
        });
    }
    let shift = (position <= n).then_some(Shift {
        from: position,
        to: n,
        delta: 1,
    });
    Ok((position, shift))
}

/// Moving a purpose from `current` to `requested` (1..=n): the purposes in
/// between move by one towards the gap it leaves.
pub fn relocate(n: i32, current: i32, requested: i32) -> Result<Option<Shift>, OutOfRange> {
    if !(1..=n).contains(&requested) {
        return Err(OutOfRange { requested, max: n });
    }
    Ok(match requested.cmp(&current) {
        std::cmp::Ordering::Less => Some(Shift {
            from: requested,
            to: current - 1,
            delta: 1,
        }),
        std::cmp::Ordering::Greater => Some(Shift {
            from: current + 1,
            to: requested,
            delta: -1,
        }),
        std::cmp::Ordering::Equal => None,
    })
}

/// Removing the purpose at `position` from a collection of `n`: those after
/// it move up by one.
pub fn remove(n: i32, position: i32) -> Option<Shift> {
    (position < n).then_some(Shift {
        from: position + 1,
        to: n,
        delta: -1,
    })
}

/// Why a reorder is not a permutation of the collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAPermutation {
    /// An id appears more than once.
    Duplicate(i32),
    /// An id of the collection is missing.
    Missing(i32),
    /// An id that is not in the collection.
    Unknown(i32),
}

impl NotAPermutation {
    /// A sentence a user can act on; `name` renders an id for the client.
    pub fn message(&self, name: impl Fn(i32) -> String) -> String {
        match self {
            NotAPermutation::Duplicate(id) => format!("{} appears more than once.", name(*id)),
            NotAPermutation::Missing(id) => format!(
                "{} is missing: list every purpose of the collection exactly once.",
                name(*id)
            ),
            NotAPermutation::Unknown(id) => {
                format!("{} is not a purpose of the collection.", name(*id))
            }
        }
    }
}

/// Checks that `requested` lists every id of `current` exactly once.
pub fn check_permutation(current: &[i32], requested: &[i32]) -> Result<(), NotAPermutation> {
    let known: HashSet<i32> = current.iter().copied().collect();
    let mut seen = HashSet::with_capacity(requested.len());
    for id in requested {
        if !known.contains(id) {
            return Err(NotAPermutation::Unknown(*id));
        }
        if !seen.insert(*id) {
            return Err(NotAPermutation::Duplicate(*id));
        }
    }
    match current.iter().find(|id| !seen.contains(id)) {
        Some(id) => Err(NotAPermutation::Missing(*id)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The collection as a list of ids in display order: the model the
    /// functions above must agree with.
    #[derive(Debug, Clone)]
    enum Op {
        Create(Option<i32>),
        Move(usize, i32),
        Delete(usize),
        Reorder(Vec<usize>),
    }

    fn apply_shift(orders: &mut [(i32, i32)], shift: Option<Shift>) {
        if let Some(Shift { from, to, delta }) = shift {
            for (_, order) in orders.iter_mut() {
                if (from..=to).contains(order) {
                    *order += delta;
                }
            }
        }
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            proptest::option::of(-1..12i32).prop_map(Op::Create),
            (0..20usize, -1..12i32).prop_map(|(i, k)| Op::Move(i, k)),
            (0..20usize).prop_map(Op::Delete),
            proptest::collection::vec(0..20usize, 0..12).prop_map(Op::Reorder),
        ]
    }

    proptest! {
        #[test]
        fn any_sequence_of_mutations_keeps_orders_dense_and_matches_the_model(
            ops in proptest::collection::vec(op(), 1..60)
        ) {
            // (id, order) pairs as the database holds them, and the model.
            let mut rows: Vec<(i32, i32)> = Vec::new();
            let mut model: Vec<i32> = Vec::new();
            let mut next_id = 1;

            for op in ops {
                let n = rows.len() as i32;
                match op {
                    Op::Create(requested) => match insert(n, requested) {
                        Ok((position, shift)) => {
                            apply_shift(&mut rows, shift);
                            rows.push((next_id, position));
                            model.insert(position as usize - 1, next_id);
                            next_id += 1;
                        }
                        Err(_) => prop_assert!(requested.is_some_and(|k| k < 1 || k > n + 1)),
                    },
                    Op::Move(index, requested) if !model.is_empty() => {
                        let id = model[index % model.len()];
                        let current = rows.iter().find(|(i, _)| *i == id).map(|(_, o)| *o).unwrap_or(0);
                        match relocate(n, current, requested) {
                            Ok(shift) => {
                                apply_shift(&mut rows, shift);
                                if let Some(row) = rows.iter_mut().find(|(i, _)| *i == id) {
                                    row.1 = requested;
                                }
                                model.retain(|i| *i != id);
                                model.insert(requested as usize - 1, id);
                            }
                            Err(_) => prop_assert!(requested < 1 || requested > n),
                        }
                    }
                    Op::Delete(index) if !model.is_empty() => {
                        let id = model[index % model.len()];
                        let position = rows.iter().find(|(i, _)| *i == id).map(|(_, o)| *o).unwrap_or(0);
                        rows.retain(|(i, _)| *i != id);
                        apply_shift(&mut rows, remove(n, position));
                        model.retain(|i| *i != id);
                    }
                    Op::Reorder(picks) => {
                        let current: Vec<i32> = rows.iter().map(|(i, _)| *i).collect();
                        let requested: Vec<i32> = if picks.is_empty() && !model.is_empty() {
                            model.iter().rev().copied().collect()
                        } else {
                            picks.iter().filter_map(|p| model.get(p % model.len().max(1)).copied()).collect()
                        };
                        if check_permutation(&current, &requested).is_ok() {
                            for (position, id) in requested.iter().enumerate() {
                                if let Some(row) = rows.iter_mut().find(|(i, _)| i == id) {
                                    row.1 = position as i32 + 1;
                                }
                            }
                            model = requested;
                        }
                    }
                    _ => {}
                }

                let mut orders: Vec<i32> = rows.iter().map(|(_, o)| *o).collect();
                orders.sort_unstable();
                prop_assert_eq!(orders, (1..=rows.len() as i32).collect::<Vec<_>>());
                let mut by_order = rows.clone();
                by_order.sort_by_key(|(_, o)| *o);
                let ids: Vec<i32> = by_order.iter().map(|(i, _)| *i).collect();
                prop_assert_eq!(&ids, &model);
            }
        }
    }

    #[test]
    fn inserting_appends_by_default_and_shifts_the_rest_otherwise() {
        assert_eq!(insert(3, None), Ok((4, None)));
        assert_eq!(insert(3, Some(4)), Ok((4, None)));
        assert_eq!(
            insert(3, Some(1)),
            Ok((
                1,
                Some(Shift {
                    from: 1,
                    to: 3,
                    delta: 1
                })
            ))
        );
        assert_eq!(insert(0, None), Ok((1, None)));
        assert_eq!(
            insert(3, Some(5)),
            Err(OutOfRange {
                requested: 5,
                max: 4
            })
        );
        assert_eq!(
            insert(3, Some(0)),
            Err(OutOfRange {
                requested: 0,
                max: 4
            })
        );
    }

    #[test]
    fn moving_shifts_only_the_purposes_in_between() {
        assert_eq!(
            relocate(5, 4, 2),
            Ok(Some(Shift {
                from: 2,
                to: 3,
                delta: 1
            }))
        );
        assert_eq!(
            relocate(5, 2, 4),
            Ok(Some(Shift {
                from: 3,
                to: 4,
                delta: -1
            }))
        );
        assert_eq!(relocate(5, 3, 3), Ok(None));
        assert_eq!(
            relocate(5, 3, 6),
            Err(OutOfRange {
                requested: 6,
                max: 5
            })
        );
    }

    #[test]
    fn removing_closes_the_gap() {
        assert_eq!(
            remove(5, 2),
            Some(Shift {
                from: 3,
                to: 5,
                delta: -1
            })
        );
        assert_eq!(remove(5, 5), None);
    }

    #[test]
    fn a_reorder_must_list_every_id_exactly_once() {
        let current = [1, 2, 3];
        let cases = [
            (vec![3, 1, 2], Ok(())),
            (vec![3, 1, 1], Err(NotAPermutation::Duplicate(1))),
            (vec![3, 1], Err(NotAPermutation::Missing(2))),
            (vec![3, 1, 2, 4], Err(NotAPermutation::Unknown(4))),
            (vec![], Err(NotAPermutation::Missing(1))),
        ];
        for (requested, expected) in cases {
            assert_eq!(
                check_permutation(&current, &requested),
                expected,
                "{requested:?}"
            );
        }
    }
}
