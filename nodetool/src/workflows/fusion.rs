//! Run groups: which nodes of a plan the runner drives one after another inside one future.
//!
//! A node that fires at most once and whose data all comes from one node that fires at most
//! once gains nothing from running concurrently with it: it can only start when that node has
//! finished. Such links are fused into chains, and the runner drives each chain as one future,
//! member after member (no future, waker or wake-up per member). Everything else is a chain of
//! one and runs concurrently as before.
//!
//! A node "fires at most once" when it is buffered, is not controlled, and nothing upstream of
//! it streams, is controlled, or reads its inputs itself: every edge into it then carries at
//! most one value, so the member's inbox never holds more than its upstream sends in one
//! firing, and no pipelining is lost.

use super::node::ExecutionMode;
use super::plan::PlannedNode;
use std::collections::VecDeque;
use std::sync::Arc;

/// Per node: whether every item it can receive comes from a node that fires at most once
/// (no control edge comes in, and nothing upstream streams or is controlled). Such a node's
/// input handle receives at most one item per edge, so an inbox with room for that many
/// never makes a producer wait (a wide fan-in then costs no wake-up per producer).
pub(crate) fn fed_once(nodes: &[Arc<PlannedNode>]) -> Vec<bool> {
    let repeats = repeating_nodes(nodes);
    let mut fed_once: Vec<bool> = nodes.iter().map(|n| n.control_inputs == 0).collect();
    for (source, node) in nodes.iter().enumerate() {
        if repeats[source] {
            for route in node.routes.iter().flatten() {
                fed_once[route.target] = false;
            }
        }
    }
    fed_once
}

/// The plan's nodes split into chains: every node in exactly one chain, in the order its
/// members run; chains are listed by their first node's index.
pub(crate) fn run_chains(nodes: &[Arc<PlannedNode>]) -> Vec<Box<[usize]>> {
    let n = nodes.len();
    let repeats = repeating_nodes(nodes);
    // The single node every data edge into each node comes from, if there is one.
    let mut feeder: Vec<Feeder> = vec![Feeder::None; n];
    for (source, node) in nodes.iter().enumerate() {
        for route in node.routes.iter().flatten() {
            let slot = &mut feeder[route.target];
            *slot = match *slot {
                Feeder::None => Feeder::One(source),
                Feeder::One(s) if s == source => Feeder::One(s),
                _ => Feeder::Many,
            };
        }
    }
    let mut next: Vec<Option<usize>> = vec![None; n];
    let mut fused = vec![false; n];
    for target in 0..n {
        let Feeder::One(source) = feeder[target] else {
            continue;
        };
        if !repeats[target] && !repeats[source] && next[source].is_none() {
            next[source] = Some(target);
            fused[target] = true;
        }
    }
    (0..n)
        .filter(|&head| !fused[head])
        .map(|head| {
            std::iter::successors(Some(head), |&member| next[member]).collect::<Box<[usize]>>()
        })
        .collect()
}

#[derive(Clone, Copy)]
enum Feeder {
    None,
    One(usize),
    Many,
}

/// Nodes that may fire more than once or read their inputs themselves: streaming and
/// controlled nodes and everything downstream of them along data edges.
fn repeating_nodes(nodes: &[Arc<PlannedNode>]) -> Vec<bool> {
    let mut repeats: Vec<bool> = nodes
        .iter()
        .map(|node| node.descriptor.mode != ExecutionMode::Buffered || node.control_inputs > 0)
        .collect();
    let mut queue: VecDeque<usize> = (0..nodes.len()).filter(|&i| repeats[i]).collect();
    while let Some(i) = queue.pop_front() {
        for route in nodes[i].routes.iter().flatten() {
            if !repeats[route.target] {
                repeats[route.target] = true;
                queue.push_back(route.target);
            }
        }
    }
    repeats
}
