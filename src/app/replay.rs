//! Which rows the list shows: the filters, and replay (packets arrive at their original pace,
//! scaled, or one step at a time), which moves the visible rows without filtering the whole
//! capture again on every frame.

use super::*;

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
        let Some(cap) = self.capture.clone() else {
            return Vec::new();
        };
        let range = range.start.min(cap.len())..range.end.min(cap.len());
        let text = self.applied.clone();
        let toggles = self.toggle_filter();
        let hide_acks = self.toggles.hide_bare_acks;
        let cheap = text.as_ref().is_none_or(|f| f.protocols_only())
            && toggles.as_ref().is_none_or(|f| f.protocols_only());
        range
            .filter(|&i| {
                if text.is_none() && toggles.is_none() && !hide_acks {
                    return true;
                }
                let p = if cheap { cap.row(i) } else { cap.packet(i) };
                let Some(p) = p else { return false };
                if hide_acks && is_bare_ack(&p) {
                    return false;
                }
                text.as_ref().is_none_or(|f| f.matches(&p))
                    && toggles.as_ref().is_none_or(|f| f.matches(&p))
            })
            .map(|i| i as u32)
            .collect()
    }

    /// Step the replay by `delta` packets (and start replay mode).
    pub fn step(&mut self, delta: isize) {
        let Some(cap) = &self.capture else { return };
        let was_active = self.replay.active;
        if !self.replay.active {
            self.replay.active = true;
            self.replay.position = self.selected.map_or(0, |s| s + 1);
        }
        let n = cap.len();
        let from = self.replay.position;
        let pos =
            (self.replay.position as isize + delta).clamp(1.min(n as isize), n as isize) as usize;
        self.replay.position = pos;
        if was_active {
            self.replay_moved(from);
        } else {
            self.refilter();
        }
        if pos > 0 {
            self.select(pos - 1);
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
        self.replay.carry += dt * f64::from(self.replay.speed);
        let n = cap.len();
        let from = self.replay.position;
        let mut moved = false;
        while self.replay.position < n {
            let next_ts = cap
                .store
                .meta(self.replay.position)
                .map_or(0, |m| m.timestamp.ns);
            let prev_ts = if self.replay.position == 0 {
                next_ts
            } else {
                cap.store
                    .meta(self.replay.position - 1)
                    .map_or(next_ts, |m| m.timestamp.ns)
            };
            // Long silences in a capture are shortened to one second.
            let gap = ((next_ts - prev_ts).max(0) as f64 / 1e9).min(1.0);
            if self.replay.carry < gap {
                break;
            }
            self.replay.carry -= gap;
            self.replay.position += 1;
            moved = true;
        }
        if self.replay.position >= n {
            self.replay.playing = false;
        }
        if moved {
            self.replay_moved(from);
            if self.replay.position > 0 {
                self.select(self.replay.position - 1);
            }
        }
    }
}
