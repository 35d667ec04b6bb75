package netns

import (
	"errors"
	"net"
	"testing"
)

func TestDoOpensSocketInNamespace(t *testing.T) {
	if err := Available(); err != nil {
		if ci() && errors.Is(err, ErrNoTool) {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	ns, err := New("dii-test")
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	if err := ns.IP("link", "add", "dii0", "type", "veth", "peer", "name", "dii1"); err != nil {
		t.Fatal(err)
	}
	var names []string
	if err := ns.Do(func() error {
		ifs, err := net.Interfaces()
		for _, i := range ifs {
			names = append(names, i.Name)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range names {
		found = found || n == "dii0"
	}
	if !found {
		t.Fatalf("interfaces inside the namespace: %v, want dii0", names)
	}
	// Back outside, the veth interface is not there.
	if _, err := net.InterfaceByName("dii0"); err == nil {
		t.Fatal("dii0 visible outside the namespace")
	}
}
