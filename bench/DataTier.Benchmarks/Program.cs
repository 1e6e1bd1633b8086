using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(DataTier.Benchmarks.RingBenchmarks).Assembly).Run(args);
