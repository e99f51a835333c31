//! The Chrome trace-event format (JSON; opens in Perfetto and `chrome://tracing`) of a timed
//! run: process 1 holds one track per unit kind (DRAM channel, each write driver, vector unit,
//! adder trees, interconnect), process 2 one track per segment's phases (weight load, fill,
//! steady state, drain) followed by one track per layer (each execution a slice; the gaps
//! between them are the layer's bubbles). Times are in microseconds, as the format wants.
//! `docs/runtime.md` walks through one.

use serde::Serialize;

use super::engine::Timed;
use super::record::{Label, Span, Track};
use crate::container::Program;

/// One trace event: a complete slice (`ph: "X"`) or a metadata record (`ph: "M"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Event {
    name: String,
    ph: &'static str,
    pid: u32,
    tid: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ts: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dur: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cat: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    args: Option<serde_json::Value>,
}

/// The process and thread ids of a track.
fn ids(track: Track) -> (u32, u64) {
    match track {
        Track::Dram => (1, 0),
        Track::Vector => (1, 1),
        Track::Adders => (1, 2),
        Track::Interconnect => (1, 3),
        Track::Writes(n) => (1, 10 + n as u64),
        Track::Phases(id) => (2, u64::from(id) * 100_000),
        Track::Layer(n) => (2, 1 + n as u64),
    }
}

/// The name of a track.
fn track_name(track: Track, timed: &Timed) -> String {
    match track {
        Track::Dram => "DRAM channel".into(),
        Track::Vector => "vector unit".into(),
        Track::Adders => "adder trees".into(),
        Track::Interconnect => "interconnect".into(),
        Track::Writes(n) => format!("write driver {n}"),
        Track::Phases(id) => timed
            .layers
            .segments
            .get(&id)
            .map_or_else(|| format!("segment{id}"), |s| format!("{} phases", s.name)),
        Track::Layer(n) => {
            let l = &timed.layers.layers[n];
            format!("seg {} / {}", l.segment.unwrap_or(0), l.name)
        }
    }
}

/// The name and category of a span.
fn slice_name(span: &Span, program: &Program, timed: &Timed) -> (String, &'static str) {
    match span.label {
        Label::Instruction(pc) => {
            let mnemonic = program.code.get(pc).map_or("?", |i| i.opcode().mnemonic());
            (mnemonic.to_owned(), "instruction")
        }
        Label::Layer(n) => (timed.layers.layers[n].name.clone(), "layer"),
        Label::Phase(p) => (p.to_owned(), "phase"),
    }
}

/// The trace of `timed` (a run of `program`) as JSON.
pub fn chrome_trace(program: &Program, timed: &Timed) -> String {
    let mut tracks: Vec<Track> = timed.spans.iter().map(|s| s.track).collect();
    tracks.sort();
    tracks.dedup();
    let meta = |name: &'static str, pid, tid, value: String| Event {
        name: name.to_owned(),
        ph: "M",
        pid,
        tid,
        ts: None,
        dur: None,
        cat: None,
        args: Some(serde_json::json!({ "name": value })),
    };
    let mut events = vec![
        meta("process_name", 1, 0, "units".into()),
        meta("process_name", 2, 0, "segments and layers".into()),
    ];
    for &track in &tracks {
        let (pid, tid) = ids(track);
        events.push(meta("thread_name", pid, tid, track_name(track, timed)));
    }
    let mut last_end = std::collections::BTreeMap::new();
    for span in &timed.spans {
        let (pid, tid) = ids(span.track);
        // Slices of one track must not overlap: a slice starts where the previous one ended.
        let previous: &mut f64 = last_end.entry((pid, tid)).or_insert(0.0);
        let start = span.start.max(*previous);
        let end = span.end.max(start);
        *previous = end;
        let (name, cat) = slice_name(span, program, timed);
        events.push(Event {
            name,
            ph: "X",
            pid,
            tid,
            ts: Some(start / 1e3),
            dur: Some((end - start) / 1e3),
            cat: Some(cat),
            args: match span.label {
                Label::Instruction(pc) => Some(serde_json::json!({ "index": pc })),
                _ => None,
            },
        });
    }
    let trace = serde_json::json!({ "traceEvents": events, "displayTimeUnit": "ns" });
    serde_json::to_string(&trace).unwrap_or_default()
}
