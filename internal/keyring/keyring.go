package keyring

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/dii-net/dii/internal/tx"
)

// Errors.
var (
	ErrExists   = errors.New("key already exists")
	ErrNotFound = errors.New("no such key")
	ErrBadName  = errors.New("bad key name: use 1-64 of a-z, 0-9, '-', '_'")
)

var nameRE = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)

// Key is one named account key.
type Key struct {
	Name    string
	Private ed25519.PrivateKey
}

// Public is the key's public half.
func (k *Key) Public() ed25519.PublicKey { return k.Private.Public().(ed25519.PublicKey) }

// Address is the account address of the key.
func (k *Key) Address() tx.Address { return tx.AddressOf(k.Public()) }

type file struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	PubKey  []byte `json:"public_key"`
	Seed    []byte `json:"private_seed"`
}

// Keyring is a folder of keys.
type Keyring struct{ dir string }

// Open returns the keyring in dir; the folder is created on first Add.
func Open(dir string) *Keyring { return &Keyring{dir: dir} }

// Dir is the keyring's folder.
func (k *Keyring) Dir() string { return k.dir }

func (k *Keyring) path(name string) (string, error) {
	if !nameRE.MatchString(name) {
		return "", fmt.Errorf("%w: %q", ErrBadName, name)
	}
	return filepath.Join(k.dir, name+".json"), nil
}

// Add creates a new random key called name.
func (k *Keyring) Add(name string) (*Key, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return k.Import(name, priv.Seed())
}

// Import stores a key from its 32-byte seed.
func (k *Keyring) Import(name string, seed []byte) (*Key, error) {
	p, err := k.path(name)
	if err != nil {
		return nil, err
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("seed is %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	key := &Key{Name: name, Private: ed25519.NewKeyFromSeed(seed)}
	b, err := json.MarshalIndent(file{Name: name, Address: key.Address().String(), PubKey: key.Public(), Seed: seed}, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(k.dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("%w: %s (%s)", ErrExists, name, p)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		_ = f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return nil, err
	}
	return key, f.Close()
}

// Get loads the key called name.
func (k *Keyring) Get(name string) (*Key, error) {
	p, err := k.path(name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %q in %s (create it with: dii key add %s)", ErrNotFound, name, k.dir, name)
	}
	if err != nil {
		return nil, err
	}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("key file %s: %w", p, err)
	}
	if len(f.Seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("key file %s: seed is %d bytes, want %d", p, len(f.Seed), ed25519.SeedSize)
	}
	key := &Key{Name: name, Private: ed25519.NewKeyFromSeed(f.Seed)}
	if len(f.PubKey) > 0 && !key.Public().Equal(ed25519.PublicKey(f.PubKey)) {
		return nil, fmt.Errorf("key file %s: public key does not match the seed", p)
	}
	return key, nil
}

// List loads every key, sorted by name.
func (k *Keyring) List() ([]*Key, error) {
	ents, err := os.ReadDir(k.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Key
	for _, e := range ents {
		n, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() || !nameRE.MatchString(n) {
			continue
		}
		key, err := k.Get(n)
		if err != nil {
			return nil, err
		}
		out = append(out, key)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
