//! The `timeseries.csv` export: one row per sample time and service.

use crate::engine::RunResult;
use crate::model::Model;

/// Why the time series could not be written as CSV.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("the run has {series} service series but the model has {services} services")]
    ServiceCount { series: usize, services: usize },
    #[error("service `{service}` has {samples} samples but the run has {times} sample times")]
    SampleCount { service: String, samples: usize, times: usize },
    #[error("writing CSV failed: {0}")]
    Csv(#[from] csv::Error),
}

/// The CSV columns, in order.
pub const HEADER: [&str; 14] = [
    "t_s",
    "time",
    "service",
    "offered",
    "served",
    "failed",
    "availability",
    "healthy",
    "instances",
    "queue",
    "backlog",
    "threads_in_use",
    "p50_ms",
    "p99_ms",
];

/// Renders a run's samples as CSV with the [`HEADER`] columns.
///
/// Rows go by sample time, then by service in model order; `time` is
/// [`Model::show_time`]. Numbers have a fixed number of decimals (`t_s` 3,
/// availability 6, latencies 3, the rest 4), so the same run gives the same
/// bytes. `p50_ms` and `p99_ms` are empty in fluid mode and for steps without
/// a successful request.
/// Fails when the run's series do not match the model or the sample times.
pub fn render(model: &Model, result: &RunResult) -> Result<String, CsvError> {
    if result.services.len() != model.services.len() {
        return Err(CsvError::ServiceCount { series: result.services.len(), services: model.services.len() });
    }
    for (service, series) in model.services.iter().zip(&result.services) {
        if series.samples.len() != result.times.len() {
            return Err(CsvError::SampleCount {
                service: service.name.clone(),
                samples: series.samples.len(),
                times: result.times.len(),
            });
        }
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;
    for (i, &t) in result.times.iter().enumerate() {
        let time = model.show_time(t);
        let t_s = format!("{:.3}", t.secs());
        for (service, series) in model.services.iter().zip(&result.services) {
            let s = &series.samples[i];
            writer.write_record([
                t_s.as_str(),
                time.as_str(),
                service.name.as_str(),
                &fixed(s.offered, 4),
                &fixed(s.served, 4),
                &fixed(s.failed, 4),
                &fixed(s.availability, 6),
                &s.healthy.to_string(),
                &s.instances.to_string(),
                &fixed(s.queue, 4),
                &fixed(s.backlog, 4),
                &fixed(s.threads_in_use, 4),
                &s.p50_ms.map_or(String::new(), |v| fixed(v, 3)),
                &s.p99_ms.map_or(String::new(), |v| fixed(v, 3)),
            ])?;
        }
    }
    writer.flush().map_err(csv::Error::from)?;
    let bytes = writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8(bytes).expect("CSV made of Rust strings is UTF-8"))
}

/// `value` with `decimals` decimals, never `-0.0000`.
fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn has_the_header_and_a_row_per_time_and_service() {
        let text = render(&fixtures::model(), &fixtures::result()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "t_s,time,service,offered,served,failed,availability,healthy,instances,queue,backlog,threads_in_use,p50_ms,p99_ms"
        );
        assert_eq!(lines.len(), 1 + 60 * 3);
        assert_eq!(
            lines[1],
            "60.000,02:01:00,web-front,500.0000,500.0000,0.0000,1.000000,10,10,0.0000,0.0000,12.5000,,"
        );
        assert!(lines[12 * 3 + 3].starts_with("780.000,02:13:00,user-db,500.0000,100.0000,400.0000,0.200000,"));
    }

    #[test]
    fn refuses_series_that_do_not_match() {
        let mut result = fixtures::result();
        result.services[1].samples.pop();
        let err = render(&fixtures::model(), &result).unwrap_err();
        assert_eq!(err.to_string(), "service `auth-api` has 59 samples but the run has 60 sample times");
        result.services.pop();
        assert!(matches!(render(&fixtures::model(), &result), Err(CsvError::ServiceCount { .. })));
    }

    #[test]
    fn negative_zero_is_written_as_zero() {
        assert_eq!(fixed(-0.0, 4), "0.0000");
        assert_eq!(fixed(-0.00001, 4), "0.0000");
        assert_eq!(fixed(-1.5, 2), "-1.50");
    }
}
