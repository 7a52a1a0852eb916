//! The dependency graph drawn as inline SVG for `report.html`: callers left of their callees, impacted services shaded.

use super::escape;
use crate::analysis::report::Report;
use crate::model::Model;
use std::fmt::Write;

const NODE_W: f64 = 170.0;
const NODE_H: f64 = 40.0;
const COL_GAP: f64 = 90.0;
const ROW_GAP: f64 = 18.0;
const PAD: f64 = 12.0;

/// A graph ready to draw: services with their layer, and edges.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphData {
    /// (name, minimum availability [%] when impacted).
    nodes: Vec<(String, Option<f64>)>,
    /// (caller, callee, label, fallback).
    edges: Vec<(usize, usize, String, bool)>,
    layer: Vec<usize>,
}

impl GraphData {
    /// The graph of `model`, services impacted in `report` marked.
    pub fn new(model: &Model, report: Option<&Report>) -> GraphData {
        let nodes = model
            .services
            .iter()
            .map(|s| {
                let hit = report.and_then(|r| r.services.iter().find(|r| r.name == s.name && r.impacted));
                (s.name.clone(), hit.map(|h| h.min_availability * 100.0))
            })
            .collect::<Vec<_>>();
        let edges: Vec<(usize, usize, String, bool)> = model
            .deps
            .iter()
            .map(|d| (d.caller.0, d.callee.0, crate::report::graph::edge_label(d), d.fallback))
            .collect();
        // Longest path from a caller without callers; a cycle stops growing after n rounds.
        let n = nodes.len();
        let mut layer = vec![0usize; n];
        for _ in 0..n {
            let mut changed = false;
            for (a, b, _, _) in &edges {
                if a != b && layer[*b] < layer[*a] + 1 && layer[*a] + 1 < n.max(1) {
                    layer[*b] = layer[*a] + 1;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        GraphData { nodes, edges, layer }
    }

    fn positions(&self) -> Vec<(f64, f64)> {
        let mut rows = vec![0usize; self.nodes.len() + 1];
        self.layer
            .iter()
            .map(|&l| {
                let row = rows[l];
                rows[l] += 1;
                (PAD + l as f64 * (NODE_W + COL_GAP), PAD + row as f64 * (NODE_H + ROW_GAP))
            })
            .collect()
    }

    /// The drawing as an `<svg>` element.
    pub fn svg(&self) -> String {
        let pos = self.positions();
        let width = pos.iter().map(|p| p.0 + NODE_W + PAD).fold(2.0 * PAD, f64::max);
        let height = pos.iter().map(|p| p.1 + NODE_H + PAD).fold(2.0 * PAD, f64::max);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<svg class=\"depgraph\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"dependency graph\">"
        );
        out.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#555\"/></marker></defs>\n");
        for (a, b, label, fallback) in &self.edges {
            let (pa, pb) = (pos[*a], pos[*b]);
            let (x1, y1) = (pa.0 + NODE_W, pa.1 + NODE_H / 2.0);
            let (x2, y2) = if pb.0 > pa.0 { (pb.0, pb.1 + NODE_H / 2.0) } else { (pb.0 + NODE_W / 2.0, pb.1) };
            let bend = ((x2 - x1).abs() / 2.0).max(30.0);
            let dash = if *fallback { " stroke-dasharray=\"5 4\"" } else { "" };
            let _ = writeln!(
                out,
                "<path class=\"edge\" d=\"M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}\"{dash} marker-end=\"url(#arrow)\"><title>{} → {}: {}</title></path>",
                x1 + bend,
                x2 - bend,
                escape(&self.nodes[*a].0),
                escape(&self.nodes[*b].0),
                escape(label)
            );
        }
        for ((name, hit), (x, y)) in self.nodes.iter().zip(&pos) {
            let class = if hit.is_some() { "node impacted" } else { "node" };
            let _ = write!(
                out,
                "<g class=\"{class}\"><rect x=\"{x}\" y=\"{y}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"6\"/>"
            );
            let cx = x + NODE_W / 2.0;
            match hit {
                Some(min) => {
                    let _ = write!(
                        out,
                        "<text x=\"{cx}\" y=\"{}\">{}</text><text class=\"sub\" x=\"{cx}\" y=\"{}\">min {min:.1}%</text>",
                        y + 17.0,
                        escape(name),
                        y + 32.0
                    );
                }
                None => {
                    let _ = write!(out, "<text x=\"{cx}\" y=\"{}\">{}</text>", y + 25.0, escape(name));
                }
            }
            out.push_str("</g>\n");
        }
        out.push_str("</svg>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn callers_sit_left_of_their_callees() {
        let g = GraphData::new(&fixtures::model(), Some(&fixtures::report()));
        assert_eq!(g.layer, [0, 1, 2]);
        let svg = g.svg();
        assert_eq!(svg.matches("class=\"node impacted\"").count(), 2);
        assert_eq!(svg.matches("class=\"edge\"").count(), 3);
        assert!(svg.contains("stroke-dasharray"), "the fallback edge is dashed");
    }

    #[test]
    fn a_cycle_still_lays_out() {
        let mut model = fixtures::model();
        model.deps[2].caller = crate::model::ServiceId(2);
        model.deps[2].callee = crate::model::ServiceId(0);
        let g = GraphData::new(&model, None);
        assert!(g.layer.iter().all(|l| *l < 3));
        assert!(g.svg().ends_with("</svg>\n"));
    }
}
