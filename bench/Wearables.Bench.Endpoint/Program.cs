// What one connection costs as a FHIR Endpoint: the codec's encode (Connection → Endpoint JSON, as
// both repositories save) and decode (JSON → Connection, as they read a row or a search entry).
//   dotnet run -c Release --project bench/Wearables.Bench.Endpoint -- --filter '*' --job short --inProcess
// Any BenchmarkDotNet option works; without arguments it asks which benchmark to run.
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Wearables.Bench.Endpoint.EndpointBenchmarks).Assembly).Run(args);
