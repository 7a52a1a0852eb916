//! Validation of a call's `retries` table: count, backoff, jitter, budget and the AWS SDK retry mode.

use super::values::{Ctx, Seg, sub};
use crate::mechanisms::retry_modes;
use crate::model::{Jitter, Retries, RetryMode};
use crate::time::Span;
use crate::topology::error::Issue;
use crate::topology::raw::RawRetries;
use crate::topology::suggest::did_you_mean;

/// The most retries a call may make per request: past a handful, more retries only add load.
pub const MAX_RETRIES: i64 = 100;

/// Validates the `retries` table of the call at `base` (`None`: no retries).
pub fn retries(ctx: &mut Ctx, base: &[Seg], raw: Option<&RawRetries>) -> Retries {
    match raw {
        None => Retries { backoff: Span(100), jitter: Jitter::Full, ..Retries::none() },
        Some(r) => {
            let rp = sub(base, "retries");
            let multiplier = r.multiplier.unwrap_or(2.0);
            if multiplier < 1.0 {
                ctx.push(
                    Issue::at(&sub(&rp, "multiplier"), format!("must be at least 1, found {multiplier}"))
                        .help("use 1 for a constant wait, 2 to double it"),
                );
            }
            let jitter = match r.jitter.as_deref() {
                None | Some("full") => Jitter::Full,
                Some("none") => Jitter::None,
                Some("equal") => Jitter::Equal,
                Some(other) => {
                    let all = ["none", "full", "equal"];
                    ctx.push(
                        Issue::at(
                            &sub(&rp, "jitter"),
                            format!("unknown jitter `{other}`{}", did_you_mean(other, &all)),
                        )
                        .help("use \"none\", \"full\" or \"equal\""),
                    );
                    Jitter::Full
                }
            };
            if let Some(b) = r.budget
                && b < 0.0
            {
                ctx.push(
                    Issue::at(&sub(&rp, "budget"), format!("must be at least 0, found {b}"))
                        .help("0.1 allows 10% extra calls as retries"),
                );
            }
            let mode = retry_mode(ctx, &rp, r);
            let sdk = mode != RetryMode::Legacy;
            let (max, backoff) = if sdk { (2, "1s") } else { (0, "100ms") };
            Retries {
                max: ctx.int(&sub(&rp, "max"), r.max, max, 0, MAX_RETRIES) as u32,
                backoff: ctx.span(&sub(&rp, "backoff"), r.backoff.as_ref(), backoff, false),
                multiplier,
                jitter,
                budget: r.budget,
                mode,
                quota: r.quota.unwrap_or(retry_modes::DEFAULT_QUOTA),
                max_backoff: match (&r.max_backoff, sdk) {
                    (None, false) => None,
                    (text, _) => Some(ctx.span(&sub(&rp, "max-backoff"), text.as_ref(), "20s", false)),
                },
            }
        }
    }
}

/// The retry mode of a `retries` table, and its quota checked.
fn retry_mode(ctx: &mut Ctx, rp: &[Seg], r: &RawRetries) -> RetryMode {
    if let Some(q) = r.quota
        && q < retry_modes::RETRY_COST
    {
        ctx.push(
            Issue::at(&sub(rp, "quota"), format!("must be at least {}, found {q}", retry_modes::RETRY_COST))
                .help("the SDKs' quota is 500 tokens; a retry costs 5"),
        );
    }
    match r.mode.as_deref() {
        None | Some("legacy") => RetryMode::Legacy,
        Some("standard") => RetryMode::Standard,
        Some("adaptive") => RetryMode::Adaptive,
        Some(other) => {
            let all = ["legacy", "standard", "adaptive"];
            ctx.push(
                Issue::at(&sub(rp, "mode"), format!("unknown retry mode `{other}`{}", did_you_mean(other, &all)))
                    .help("use \"legacy\", \"standard\" or \"adaptive\""),
            );
            RetryMode::Legacy
        }
    }
}
