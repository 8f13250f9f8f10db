//! Which rows the list shows: the filters, and replay (packets arrive one by one at a pace the
//! teacher sets, or one step at a time), which moves the visible rows without filtering the
//! whole capture again on every frame.
//!
//! Why stepping goes from shown packet to shown packet: a teacher who hides bare ACKs or
//! filters on `websocket` and presses → expects the next packet *of the list*, not an
//! invisible one. So every move (step, play, next phase, next message) lands on a packet that
//! passes the filters, and the pace counts those packets only.

use super::*;

/// How fast a replay goes.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Pace {
    /// The capture's own timing, scaled (1.0 = as captured; long silences shortened to 1 s).
    CaptureTime { speed: f32 },
    /// A fixed time per shown packet, whatever the capture's timing: what a class can follow.
    PerPacket { secs: f32 },
}

impl Pace {
    /// "2 s per packet", "capture time x1".
    pub fn describe(self) -> String {
        match self {
            Pace::CaptureTime { speed } => format!("capture time ×{speed:.1}"),
            Pace::PerPacket { secs } => format!("{secs:.1} s per packet"),
        }
    }
}

impl LayerscopeApp {
    /// Recompute the visible rows.
    pub fn refilter(&mut self) {
        let Some(cap) = self.capture.clone() else {
            self.visible.clear();
            return;
        };
        let limit = if self.replay.active {
            self.replay.position.min(cap.len())
        } else {
            cap.len()
        };
        self.visible = self.filtered(0..limit);
    }

    /// The replay moved from position `from` to `self.replay.position`: add the rows it
    /// passed or drop the ones it went back over, instead of filtering the whole capture
    /// again (which, on every frame of a replay through millions of packets, would not keep
    /// up).
    pub(super) fn replay_moved(&mut self, from: usize) {
        let to = self.replay.position;
        if to < from {
            let keep = self.visible.partition_point(|&v| (v as usize) < to);
            self.visible.truncate(keep);
        } else {
            let more = self.filtered(from..to);
            self.visible.extend(more);
        }
    }

    /// The packets of `range` that pass the filters, in order.
    pub(super) fn filtered(&self, range: std::ops::Range<usize>) -> Vec<u32> {
        let Some(f) = self.filters() else {
            return Vec::new();
        };
        let range = range.start.min(f.cap.len())..range.end.min(f.cap.len());
        range.filter(|&i| f.passes(i)).map(|i| i as u32).collect()
    }

    /// The filters as they stand, ready to test packets.
    fn filters(&self) -> Option<Filters> {
        let cap = self.capture.clone()?;
        let text = self.applied.clone();
        let toggles = self.toggle_filter();
        let cheap = text.as_ref().is_none_or(|f| f.protocols_only())
            && toggles.as_ref().is_none_or(|f| f.protocols_only());
        Some(Filters {
            cap,
            text,
            toggles,
            hide_acks: self.toggles.hide_bare_acks,
            cheap,
        })
    }

    /// The first shown packet at or after `from`, looking at most `limit` packets ahead.
    fn next_shown(&self, from: usize, limit: usize) -> Option<usize> {
        let f = self.filters()?;
        let n = f.cap.len();
        (from..n.min(from.saturating_add(limit))).find(|&i| f.passes(i))
    }

    /// The last shown packet before `before`.
    fn prev_shown(&self, before: usize) -> Option<usize> {
        let f = self.filters()?;
        (0..before).rev().take(1_000_000).find(|&i| f.passes(i))
    }

    /// Go to packet `i` (0-based): select it, and in replay let the replay reach it.
    pub fn go_to(&mut self, i: usize) {
        if self.replay.active {
            let from = self.replay.position;
            self.replay.position = i + 1;
            self.replay_moved(from);
        }
        self.select(i);
    }

    /// Step the replay by one shown packet forward (`delta > 0`) or back, starting replay
    /// mode when it is off (the buttons "Step forward" / "Step back").
    pub fn step(&mut self, delta: isize) {
        let Some(cap) = &self.capture else { return };
        let n = cap.len();
        if !self.replay.active {
            self.replay.active = true;
            self.replay.position = self.selected.map_or(0, |s| s + 1).min(n);
            self.refilter();
        }
        let cur = self.replay.position;
        let target = if delta > 0 {
            self.next_shown(cur, usize::MAX)
        } else {
            self.prev_shown(cur.saturating_sub(1))
        };
        match target {
            Some(i) => self.go_to(i),
            // Nothing before the first shown packet: the replay is back at its start.
            None if delta < 0 => {
                let from = self.replay.position;
                self.replay.position = self.next_shown(0, usize::MAX).map_or(0, |i| i + 1);
                self.replay_moved(from);
                if self.replay.position > 0 {
                    self.select(self.replay.position - 1);
                }
            }
            None => {}
        }
    }

    /// The next (or previous) row of the list: ↓ and ↑, and → / ← outside replay. Never
    /// starts replay.
    pub fn move_selection(&mut self, delta: isize) {
        if self.visible.is_empty() {
            return;
        }
        let at = self
            .selected
            .map(|s| self.visible.partition_point(|&v| (v as usize) < s));
        let last = self.visible.len() - 1;
        let to = match at {
            // At (or just after) the selection: move from it.
            Some(k) => {
                let here = self
                    .visible
                    .get(k)
                    .is_some_and(|&v| Some(v as usize) == self.selected);
                let base = k as isize - isize::from(!here && delta > 0);
                (base + delta).clamp(0, last as isize) as usize
            }
            None if delta > 0 => 0,
            None => last,
        };
        let i = self.visible[to] as usize;
        self.select(i);
    }

    /// Home / End.
    pub fn select_edge(&mut self, last: bool) {
        let v = if last {
            self.visible.last()
        } else {
            self.visible.first()
        };
        if let Some(&i) = v {
            self.select(i as usize);
        }
    }

    /// Jump to where the next phase of the selected packet's conversation starts (opening,
    /// upgrade, messages, closing), on a shown packet. Returns the phase, if there is one.
    pub fn next_phase(&mut self) -> Option<crate::engine::phases::Phase> {
        let cap = self.capture.clone()?;
        let from = self.selected.unwrap_or(0);
        let (i, phase) = cap.next_phase(from)?;
        let i = self.next_shown(i, usize::MAX)?;
        self.go_to(i);
        Some(phase)
    }

    /// Jump to the next shown packet that completes an application message (an HTTP request
    /// or response, a WebSocket message, a Socket.IO event, a DNS query or response).
    pub fn next_message(&mut self) -> bool {
        let Some(cap) = self.capture.clone() else {
            return false;
        };
        let from = self.selected.map_or(0, |s| s + 1);
        let Some(f) = self.filters() else {
            return false;
        };
        let found = (from..cap.len())
            .take(2_000_000)
            .find(|&i| (!cap.messages_at(i).is_empty() || cap.is_paired(i)) && f.passes(i));
        match found {
            Some(i) => {
                self.go_to(i);
                true
            }
            None => false,
        }
    }

    /// Advance a playing replay by `dt` seconds of wall time.
    pub fn advance(&mut self, dt: f64) {
        let Some(cap) = self.capture.clone() else {
            return;
        };
        if !(self.replay.active && self.replay.playing) {
            return;
        }
        self.replay.carry += dt;
        let n = cap.len();
        match self.settings.pace {
            Pace::PerPacket { secs } => {
                let secs = f64::from(secs.clamp(0.1, 60.0));
                while self.replay.carry >= secs {
                    self.replay.carry -= secs;
                    match self.next_shown(self.replay.position, 100_000) {
                        Some(i) => self.go_to(i),
                        None => {
                            // Nothing more in view: the replay has reached the end.
                            let from = self.replay.position;
                            self.replay.position = n;
                            self.replay_moved(from);
                            self.replay.playing = false;
                            break;
                        }
                    }
                }
            }
            Pace::CaptureTime { speed } => {
                let from = self.replay.position;
                let mut budget = self.replay.carry * f64::from(speed.clamp(0.01, 100.0));
                while self.replay.position < n {
                    let ts = |k: usize| cap.store.meta(k).map_or(0, |m| m.timestamp.ns);
                    let next_ts = ts(self.replay.position);
                    let prev_ts = if self.replay.position == 0 {
                        next_ts
                    } else {
                        ts(self.replay.position - 1)
                    };
                    // Long silences in a capture are shortened to one second.
                    let gap = ((next_ts - prev_ts).max(0) as f64 / 1e9).min(1.0);
                    if budget < gap {
                        break;
                    }
                    budget -= gap;
                    self.replay.position += 1;
                }
                self.replay.carry = budget / f64::from(speed.clamp(0.01, 100.0));
                if self.replay.position != from {
                    self.replay_moved(from);
                    if let Some(&last) = self.visible.last() {
                        self.select(last as usize);
                    }
                }
                if self.replay.position >= n {
                    self.replay.playing = false;
                }
            }
        }
    }
}

/// The display filter, the protocol toggles and "Hide bare ACKs", parsed once for a run of
/// packets.
struct Filters {
    cap: Arc<Capture>,
    text: Option<Filter>,
    toggles: Option<Filter>,
    hide_acks: bool,
    /// Both filters name protocols only: a list-row decode is enough to test them.
    cheap: bool,
}

impl Filters {
    fn passes(&self, i: usize) -> bool {
        if self.text.is_none() && self.toggles.is_none() && !self.hide_acks {
            return i < self.cap.len();
        }
        let p = if self.cheap {
            self.cap.row(i)
        } else {
            self.cap.packet(i)
        };
        let Some(p) = p else { return false };
        if self.hide_acks && is_bare_ack(&p) {
            return false;
        }
        self.text.as_ref().is_none_or(|f| f.matches(&p))
            && self.toggles.as_ref().is_none_or(|f| f.matches(&p))
    }
}
