//! Criterion benchmarks of the core kernels on a real corpus slice:
//! tokenize, vectorize (count + tf-idf), fit, predict single and batch, explain.
//! Data: the first 5,000 reviews of ../shared/data/imdb/train.csv (set
//! SENTIO_BENCH_DATA to another `text,label` CSV to change it).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sentio_core::{Model, TrainConfig, Trainer};

fn corpus() -> (Vec<String>, Vec<String>) {
    let default = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/imdb/train.csv");
    let path = std::env::var("SENTIO_BENCH_DATA").unwrap_or_else(|_| default.to_string());
    let mut r = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("bench data {path}: {e}"));
    let (mut t, mut l) = (Vec::new(), Vec::new());
    for rec in r.records().take(5000) {
        let rec = rec.expect("csv record");
        t.push(rec[0].to_string());
        l.push(rec[1].to_string());
    }
    (t, l)
}

fn config() -> TrainConfig {
    TrainConfig::from_json(r#"{"ngram_range":[1,2],"sublinear_tf":true,"min_df":2}"#).expect("config")
}

fn kernels(c: &mut Criterion) {
    let (texts, labels) = corpus();
    let t: Vec<&str> = texts.iter().map(String::as_str).collect();
    let l: Vec<&str> = labels.iter().map(String::as_str).collect();
    let bytes: u64 = t.iter().map(|s| s.len() as u64).sum();
    let model = Trainer::fit(config(), &t, &l).expect("fit");
    let file = model.to_bytes();

    let mut g = c.benchmark_group("corpus");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("tokenize", |b| {
        let tok = model.tokenizer();
        b.iter(|| t.iter().map(|s| tok.tokens(s).len()).sum::<usize>())
    });
    g.bench_function("vectorize", |b| {
        b.iter(|| t.iter().map(|s| model.transform(s).len()).sum::<usize>())
    });
    g.bench_function("fit", |b| b.iter(|| Trainer::fit(config(), &t, &l).expect("fit")));
    g.bench_function("predict_batch", |b| b.iter(|| model.predict_batch(&t)));
    g.finish();

    let mut g = c.benchmark_group("single");
    let review = t[0];
    g.bench_function("predict", |b| b.iter(|| model.predict(black_box(review))));
    g.bench_function("explain_top5", |b| b.iter(|| model.explain(black_box(review), 5)));
    g.bench_function("load_model", |b| {
        b.iter(|| Model::from_bytes(black_box(&file)).expect("load"))
    });
    g.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
