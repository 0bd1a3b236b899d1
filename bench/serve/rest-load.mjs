// REST load with autocannon (programmatic): N connections, the same POST
// body, for a fixed time; req/s and latency percentiles.
import autocannon from 'autocannon';

export function restLoad({ url, body, connections, seconds }) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections,
        duration: seconds,
        timeout: 10,
      },
      (err, r) => {
        if (err) return reject(err);
        resolve({
          requests: r.requests.total,
          rps: r.requests.total / r.duration,
          p50_ms: r.latency.p50,
          p90_ms: r.latency.p90,
          p99_ms: r.latency.p99,
          max_ms: r.latency.max,
          mean_ms: r.latency.average,
          errors: r.errors,
          timeouts: r.timeouts,
          non2xx: r.non2xx,
          seconds: r.duration,
        });
      },
    );
  });
}
