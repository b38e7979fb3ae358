// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// taggedType is a type that decl tags name as a whole (component_idx -1).
type taggedType struct {
	id   uint32
	tags []string
}

// declTagTargets walks a raw BTF blob's type section for DECL_TAG records
// whose name is one of names and that tag a whole type, and returns the
// tagged type ids in id order. It decodes nothing else: a kernel's BTF
// holds a hundred thousand types and a few hundred kfunc tags. The layout
// is include/uapi/linux/btf.h's; every offset is checked against the blob.
// For split BTF (a module's) the ids it returns are the module's own,
// which start after its base's.
func declTagTargets(raw []byte, names ...string) ([]taggedType, error) {
	if len(raw) < 24 {
		return nil, errors.New("BTF shorter than its header")
	}
	var bo binary.ByteOrder = binary.LittleEndian
	switch {
	case binary.LittleEndian.Uint16(raw) == 0xeb9f:
	case binary.BigEndian.Uint16(raw) == 0xeb9f:
		bo = binary.BigEndian
	default:
		return nil, errors.New("no BTF magic")
	}
	hdrLen := uint64(bo.Uint32(raw[4:]))
	typeOff, typeLen := uint64(bo.Uint32(raw[8:])), uint64(bo.Uint32(raw[12:]))
	strOff, strLen := uint64(bo.Uint32(raw[16:])), uint64(bo.Uint32(raw[20:]))
	size := uint64(len(raw))
	if hdrLen < 24 || hdrLen > size || typeOff+typeLen > size-hdrLen || strOff+strLen > size-hdrLen {
		return nil, fmt.Errorf("BTF header places its sections past its %d bytes", size)
	}
	types := raw[hdrLen+typeOff : hdrLen+typeOff+typeLen]
	strs := raw[hdrLen+strOff : hdrLen+strOff+strLen]
	str := func(off uint32) string {
		if uint64(off) >= uint64(len(strs)) {
			return ""
		}
		s := strs[off:]
		for i, c := range s {
			if c == 0 {
				return string(s[:i])
			}
		}
		return ""
	}
	// The ids of split BTF continue its base's; the base's count is not
	// in the blob, so a split blob's ids are found by the caller's spec.
	// Decl tags name their targets by absolute id, which is what counts.
	byID := map[uint32][]string{}
	for off, id := uint64(0), uint32(1); off < uint64(len(types)); id++ {
		if uint64(len(types))-off < 12 {
			return nil, fmt.Errorf("type %d at %d: truncated", id, off)
		}
		nameOff, info, typ := bo.Uint32(types[off:]), bo.Uint32(types[off+4:]), bo.Uint32(types[off+8:])
		kind, vlen := (info>>24)&0x1f, uint64(info&0xffff)
		extra := uint64(0)
		switch kind {
		case 1, 14, 17: // INT, VAR, DECL_TAG: one u32
			extra = 4
		case 3: // ARRAY
			extra = 12
		case 4, 5, 15, 19: // STRUCT, UNION, DATASEC, ENUM64
			extra = 12 * vlen
		case 6, 13: // ENUM, FUNC_PROTO
			extra = 8 * vlen
		}
		if uint64(len(types))-off-12 < extra {
			return nil, fmt.Errorf("type %d at %d: its %d bytes pass the type section's end", id, off, extra)
		}
		if kind == 17 && bo.Uint32(types[off+12:]) == 0xffffffff {
			if n := str(nameOff); slices.Contains(names, n) && !slices.Contains(byID[typ], n) {
				byID[typ] = append(byID[typ], n)
			}
		}
		off += 12 + extra
	}
	out := make([]taggedType, 0, len(byID))
	for id, tags := range byID {
		out = append(out, taggedType{id: id, tags: tags})
	}
	slices.SortFunc(out, func(a, b taggedType) int { return cmp.Compare(a.id, b.id) })
	return out, nil
}
