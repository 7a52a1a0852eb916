//! Buffers that block in requests mode: a request whose write finds its buffer full waits for room, holding its worker thread, first come first served, up to the call's `timeout`, then fails; an instance deployed with its own `when-full` follows that.

use super::slab::Phase;
use super::{Ev, Sim};
use crate::model::{DepKind, WhenFull};

impl Sim<'_> {
    /// How a full buffer of dependency `d` treats a write from request `id`:
    /// as its instance's version says, if it says, else as the call does.
    pub(super) fn when_full(&self, id: u32, d: u32) -> WhenFull {
        let DepKind::Buffered(b) = &self.model.deps[d as usize].kind else { return WhenFull::Drop };
        let r = self.reqs.get(id);
        let inst = &self.svcs[r.service as usize].insts[r.instance as usize];
        inst.own.version.when_full.unwrap_or(b.when_full)
    }

    /// Request `id` waits for room for `left` more writes along `d`, with the call's timeout as a timer.
    pub(super) fn block(&mut self, id: u32, d: u32, left: u32) {
        let r = self.reqs.get_mut(id);
        r.left = left;
        r.child = super::slab::NONE;
        r.epoch = r.epoch.wrapping_add(1);
        let epoch = r.epoch;
        let timeout = super::us(self.model.deps[d as usize].timeout);
        let seq = self.queue.reserve();
        if let Some(due) = self.timers.arm(id, epoch, d, self.now + timeout, seq) {
            self.queue.push_reserved(crate::time::SimTime(due.at), due.seq, Ev::Timer(d));
        }
        self.mechs.blocked[d as usize].push_back((id, epoch));
    }

    /// Room in `d`'s buffers goes to the requests blocked on it, first come first.
    pub(super) fn unblock(&mut self, d: u32) {
        let dep = &self.model.deps[d as usize];
        let DepKind::Buffered(b) = &dep.kind else { return };
        let capacity = crate::mechanisms::buffer::capacity(b, self.live_instances(dep.caller.0));
        while self.deps[d as usize].held + 1.0 <= capacity {
            let Some((id, epoch)) = self.mechs.blocked[d as usize].pop_front() else { return };
            if !self.waits(id, epoch, d) {
                continue;
            }
            self.deps[d as usize].held += 1.0;
            if self.reqs.get(id).left > 1 {
                self.reqs.get_mut(id).left -= 1;
                self.mechs.blocked[d as usize].push_front((id, epoch));
                continue;
            }
            self.timers.disarm(id);
            let r = self.reqs.get_mut(id);
            r.epoch = r.epoch.wrapping_add(1);
            r.out += 1;
            r.left = u32::MAX;
            self.next_call(id);
        }
    }

    /// Request `id` in generation `epoch` still waits for room along `d`.
    fn waits(&self, id: u32, epoch: u32, d: u32) -> bool {
        let r = self.reqs.get(id);
        r.epoch == epoch
            && r.phase == Phase::Calling
            && self.outgoing[r.service as usize].get(r.out as usize) == Some(&d)
    }

    /// Request `id` waited the call's timeout for room in `d`'s buffer: the
    /// write fails, and so does the request unless the call falls back.
    pub(super) fn block_timed_out(&mut self, id: u32, d: u32) {
        let r = self.reqs.get_mut(id);
        r.epoch = r.epoch.wrapping_add(1);
        let left = r.left;
        // Waits all last the same timeout, so the one ending is first in line (with any
        // ended by a cut before it): the line holds at most one timeout's requests.
        while let Some(&(w, e)) = self.mechs.blocked[d as usize].front() {
            if self.waits(w, e, d) {
                break;
            }
            self.mechs.blocked[d as usize].pop_front();
        }
        let r = self.reqs.get_mut(id);
        self.deps[d as usize].dropped += left as u64;
        if self.model.deps[d as usize].fallback {
            r.out += 1;
            r.left = u32::MAX;
            self.next_call(id);
        } else {
            self.finish(id, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::requests::run;
    use crate::model::{ActionKind, Buffer, DepKind, Mode, Model, Service, ServiceId, WhenFull};
    use crate::time::{SimTime, Span};

    /// A web tier at 100 req/s (20 threads, 10 ms work) writing one record each
    /// into a 500-record buffer drained at 200/s to a sink cut off at 60 s.
    fn web(when_full: WhenFull) -> Model {
        let mut m = Model::new("block", Span(300_000));
        m.mode = Mode::Requests;
        let mut w = Service::new("web", 1, 1000.0).with_load(100.0);
        w.threads = 20;
        w.load.timeout = Span(5_000);
        let web = m.add_service(w);
        let sink = m.add_service(Service::new("sink", 1, 1000.0));
        let d = m.add_call(web, sink);
        m.deps[d.0].timeout = Span(2_000);
        m.deps[d.0].kind = DepKind::Buffered(Buffer { size: 500.0, when_full, item_mb: 0.0, drain: 200.0 });
        m.schedule(SimTime(60_000), ActionKind::Partition { dep: d, duration: None }, "sink cut off");
        m
    }

    #[test]
    fn a_dropping_buffer_keeps_its_caller_serving() {
        let r = run(&web(WhenFull::Drop)).unwrap();
        assert!(r.services[0].samples.iter().all(|s| s.availability == 1.0));
    }

    #[test]
    fn a_blocking_buffer_holds_its_callers_threads_until_they_fail() {
        let r = run(&web(WhenFull::Block)).unwrap();
        let s = &r.services[0].samples;
        assert_eq!(s[5].availability, 1.0, "before the cut");
        // 500 records fill in 5 s; then each request waits 2 s for room that never comes:
        // 20 threads serve 10 requests/s of the 100 offered, and those fail too.
        let late = &s[20];
        assert!(late.availability < 0.01, "{}", late.availability);
        let l = r.services[0].latency.unwrap();
        assert!(l.max_ms < 2_100.0, "nothing waits past the timeout: {l:?}");
    }

    #[test]
    fn the_line_of_blocked_requests_holds_only_the_requests_still_waiting() {
        let m = web(WhenFull::Block);
        let alts = crate::engine::requests::rolling::alternatives(&m);
        let mut sim = crate::engine::requests::Sim::new(&m);
        sim.scen.alts = &alts;
        sim.start();
        let mut longest = 0;
        while let Some((at, ev)) = sim.queue.pop() {
            if at.0 > sim.end {
                break;
            }
            sim.now = at.0;
            sim.dispatch(ev);
            longest = longest.max(sim.mechs.blocked[0].len());
        }
        // Only requests holding one of web's 20 threads wait; those that gave up leave the line.
        assert!((15..=25).contains(&longest), "{longest}");
    }

    #[test]
    fn a_deploy_with_its_own_policy_unblocks_the_instances_it_reaches() {
        let mut m = web(WhenFull::Block);
        let version = crate::model::Version { when_full: Some(WhenFull::Drop), ..crate::model::Version::default() };
        let (amount, pace) = (crate::model::Amount::All, crate::model::Pace::Rate(1.0));
        let kind = ActionKind::Rolling { service: ServiceId(0), amount, pace, version: Some(version) };
        m.schedule(SimTime(200_000), kind, "deploy");
        let r = run(&m).unwrap();
        let s = &r.services[0].samples;
        assert!(s[18].availability < 0.01);
        assert_eq!(s.last().unwrap().availability, 1.0, "the new version drops instead of blocking");
    }
}
