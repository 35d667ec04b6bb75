package smt

import (
	"fmt"
	"math/rand"
	"runtime"
	"testing"
)

// benchData is a tree built from n random leaves, cached across benchmarks.
type benchData struct {
	leaves      []Leaf
	tree        *Tree
	heapPerLeaf float64 // live heap bytes per leaf retained by the tree
}

var benchCache = map[int]*benchData{}

func benchTree(b *testing.B, n int) *benchData {
	b.Helper()
	if d, ok := benchCache[n]; ok {
		return d
	}
	rng := rand.New(rand.NewSource(int64(n)))
	leaves := make([]Leaf, n)
	for i := range leaves {
		rng.Read(leaves[i].Key[:])
		rng.Read(leaves[i].Value[:])
	}
	leaves = sortedLeaves(leaves)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tree, err := Build(leaves)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	d := &benchData{
		leaves:      leaves,
		tree:        tree,
		heapPerLeaf: float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n),
	}
	runtime.KeepAlive(tree)
	benchCache[n] = d
	return d
}

// benchBatches returns a few batches of m ops against d: 50% updates of
// existing keys, 40% inserts of new keys, 10% deletes of existing keys.
func benchBatches(d *benchData, m int) [][]Op {
	rng := rand.New(rand.NewSource(int64(m)))
	batches := make([][]Op, 8)
	for i := range batches {
		ops := make([]Op, m)
		for j := range ops {
			switch r := rng.Intn(10); {
			case r < 5:
				ops[j] = Op{Key: d.leaves[rng.Intn(len(d.leaves))].Key, Value: randHash(rng)}
			case r < 9:
				ops[j] = Op{Key: randHash(rng), Value: randHash(rng)}
			default:
				ops[j] = Op{Key: d.leaves[rng.Intn(len(d.leaves))].Key, Delete: true}
			}
		}
		batches[i] = ops
	}
	return batches
}

func BenchmarkApply(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		for _, m := range []int{1000, 5000} {
			b.Run(fmt.Sprintf("leaves=%d/batch=%d", n, m), func(b *testing.B) {
				d := benchTree(b, n)
				batches := benchBatches(d, m)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					d.tree.Apply(batches[i%len(batches)])
				}
			})
		}
	}
}

func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("leaves=%d", n), func(b *testing.B) {
			d := benchTree(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := Build(d.leaves); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkGet(b *testing.B) {
	d := benchTree(b, 1_000_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.tree.Get(d.leaves[(i*7919)%len(d.leaves)].Key)
	}
}

func BenchmarkProve(b *testing.B) {
	d := benchTree(b, 1_000_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.tree.Prove(d.leaves[(i*7919)%len(d.leaves)].Key)
	}
}

func BenchmarkVerifyInclusion(b *testing.B) {
	d := benchTree(b, 1_000_000)
	root := d.tree.Root()
	const np = 1024
	proofs := make([]*Proof, np)
	for i := range proofs {
		proofs[i] = d.tree.Prove(d.leaves[i*977].Key)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i % np
		l := &d.leaves[j*977]
		if err := proofs[j].VerifyInclusion(root, l.Key, l.Value); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProofSize1M reports the average encoded proof size (inclusion
// and exclusion) and the live heap bytes per leaf at 1,000,000 leaves.
func BenchmarkProofSize1M(b *testing.B) {
	d := benchTree(b, 1_000_000)
	rng := rand.New(rand.NewSource(42))
	var inclBytes, exclBytes, depth, count int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l := d.leaves[rng.Intn(len(d.leaves))]
		p := d.tree.Prove(l.Key)
		inclBytes += p.Size()
		depth += p.Depth()
		exclBytes += d.tree.Prove(randHash(rng)).Size()
		count++
	}
	b.ReportMetric(float64(inclBytes)/float64(count), "incl-proof-B")
	b.ReportMetric(float64(exclBytes)/float64(count), "excl-proof-B")
	b.ReportMetric(float64(depth)/float64(count), "avg-depth")
	b.ReportMetric(d.heapPerLeaf, "heap-B/leaf")
}
