// SPDX-License-Identifier: GPL-2.0-only

// Package elfwrite lays out small 64-bit ELF files for btfinfo's fixtures
// and tests: given sections and symbols it adds the symbol, string and
// section-name tables. debug/elf only reads ELF, and the shapes tests need
// (labels below their section, thousands of overlapping sets) are ones no
// toolchain would write.
package elfwrite

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
)

// Section is one section's header fields and contents.
type Section struct {
	Name  string
	Type  elf.SectionType
	Flags elf.SectionFlag
	Addr  uint64
	Data  []byte
}

// Symbol is one symbol; Section is the index of its section in the list
// given to File, counting from 1 (index 0 is the null section).
type Symbol struct {
	Name        string
	Section     int
	Value, Size uint64
}

// File returns an ELF file of the given byte order, type and machine
// holding secs, then .symtab, .strtab and .shstrtab. Symbols are global
// and untyped, as the .BTF_ids labels of a vmlinux's symbol table are
// enough like for a reader.
func File(bo binary.ByteOrder, typ elf.Type, machine elf.Machine, secs []Section, syms []Symbol) []byte {
	var strtab, symtab bytes.Buffer
	strtab.WriteByte(0)
	symtab.Write(make([]byte, 24)) // the null symbol
	for _, s := range syms {
		binary.Write(&symtab, bo, uint32(strtab.Len()))
		strtab.WriteString(s.Name)
		strtab.WriteByte(0)
		symtab.WriteByte(byte(elf.STB_GLOBAL)<<4 | byte(elf.STT_NOTYPE))
		symtab.WriteByte(0)
		binary.Write(&symtab, bo, uint16(s.Section))
		binary.Write(&symtab, bo, s.Value)
		binary.Write(&symtab, bo, s.Size)
	}
	n := len(secs)
	all := append(append([]Section{{}}, secs...),
		Section{Name: ".symtab", Type: elf.SHT_SYMTAB, Data: symtab.Bytes()},
		Section{Name: ".strtab", Type: elf.SHT_STRTAB, Data: strtab.Bytes()},
		Section{Name: ".shstrtab", Type: elf.SHT_STRTAB})
	symIdx, strIdx, shstrIdx := n+1, n+2, n+3
	var shstr bytes.Buffer
	shstr.WriteByte(0)
	names := make([]uint32, len(all))
	for i := 1; i < len(all); i++ {
		names[i] = uint32(shstr.Len())
		shstr.WriteString(all[i].Name)
		shstr.WriteByte(0)
	}
	all[shstrIdx].Data = shstr.Bytes()

	// Layout: header, section contents (8-aligned), section headers.
	var body bytes.Buffer
	offsets := make([]uint64, len(all))
	off := uint64(64)
	pad := func() {
		for off%8 != 0 {
			body.WriteByte(0)
			off++
		}
	}
	for i := 1; i < len(all); i++ {
		pad()
		offsets[i] = off
		body.Write(all[i].Data)
		off += uint64(len(all[i].Data))
	}
	pad()
	var f bytes.Buffer
	data := byte(elf.ELFDATA2LSB)
	if bo == binary.BigEndian {
		data = byte(elf.ELFDATA2MSB)
	}
	f.Write([]byte{0x7f, 'E', 'L', 'F', byte(elf.ELFCLASS64), data, byte(elf.EV_CURRENT), 0})
	f.Write(make([]byte, 8))
	binary.Write(&f, bo, uint16(typ))
	binary.Write(&f, bo, uint16(machine))
	binary.Write(&f, bo, uint32(elf.EV_CURRENT))
	binary.Write(&f, bo, uint64(0)) // entry
	binary.Write(&f, bo, uint64(0)) // phoff
	binary.Write(&f, bo, off)       // shoff
	binary.Write(&f, bo, uint32(0)) // flags
	binary.Write(&f, bo, uint16(64))
	binary.Write(&f, bo, uint16(0)) // phentsize
	binary.Write(&f, bo, uint16(0)) // phnum
	binary.Write(&f, bo, uint16(64))
	binary.Write(&f, bo, uint16(len(all)))
	binary.Write(&f, bo, uint16(shstrIdx))
	f.Write(body.Bytes())
	f.Write(make([]byte, 64)) // the null section header
	for i := 1; i < len(all); i++ {
		s := all[i]
		var link, info uint32
		var align, entsize uint64 = 1, 0
		switch i {
		case symIdx:
			link, info, align, entsize = uint32(strIdx), 1, 8, 24
		case strIdx, shstrIdx:
		default:
			align = 4
		}
		binary.Write(&f, bo, names[i])
		binary.Write(&f, bo, uint32(s.Type))
		binary.Write(&f, bo, uint64(s.Flags))
		binary.Write(&f, bo, s.Addr)
		binary.Write(&f, bo, offsets[i])
		binary.Write(&f, bo, uint64(len(s.Data)))
		binary.Write(&f, bo, link)
		binary.Write(&f, bo, info)
		binary.Write(&f, bo, align)
		binary.Write(&f, bo, entsize)
	}
	return f.Bytes()
}
