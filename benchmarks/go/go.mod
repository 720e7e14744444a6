module goweave.dev/benchmarks/native

go 1.19
