package index

import (
	"bufio"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"

	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// The snapshot format: a header, every column as little-endian arrays, the side tables and the
// language and place tables in gob, then a CRC-32 of everything before it. A snapshot lets a
// restart load the index in about a second and replay only the events after it, instead of the
// whole stream. Version 2 added places: a version 1 snapshot is refused, so the index is
// rebuilt from the stream, whose events carry them.
const (
	snapshotMagic   = "CAIOIDX1"
	snapshotVersion = uint32(2)
)

type snapshotHeader struct {
	Version     uint32
	Slots       uint64
	Alive       uint64
	Erased      uint64
	CoveredSeq  uint64
	MissionType uint32 // MissionTypeCount-1 months columns per slot
}

type snapshotSide struct {
	LanguageIDs      []string
	LanguageOverflow map[int32][]string
	MobilityOverflow map[int32][]string
	Bookings         map[int32][]dayPeriod
	PlaceIDs         []place
}

// dayPeriod is exported to gob through these fields.
func (d dayPeriod) GobEncode() ([]byte, error) {
	return binary.LittleEndian.AppendUint16(binary.LittleEndian.AppendUint16(nil, d.start), d.end), nil
}

func (d *dayPeriod) GobDecode(b []byte) error {
	if len(b) != 4 {
		return errors.New("index snapshot: bad booking")
	}
	d.start, d.end = binary.LittleEndian.Uint16(b), binary.LittleEndian.Uint16(b[2:])
	return nil
}

// WriteSnapshot writes the index and coveredSeq, the stream sequence up to which every event is
// in it. Exposure counts are not written: they are recounted from the shortlists at start.
func (ix *Index) WriteSnapshot(w io.Writer, coveredSeq uint64) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	crc := crc32.NewIEEE()
	bw := bufio.NewWriterSize(io.MultiWriter(w, crc), 1<<20)
	put := func(v any) error { return binary.Write(bw, binary.LittleEndian, v) }
	if _, err := bw.WriteString(snapshotMagic); err != nil {
		return err
	}
	h := snapshotHeader{Version: snapshotVersion, Slots: uint64(ix.slots()), Alive: uint64(ix.alive),
		Erased: uint64(ix.erased), CoveredSeq: coveredSeq, MissionType: domain.MissionTypeCount - 1}
	months := make([]uint8, 0, ix.slots()*(domain.MissionTypeCount-1))
	for _, m := range ix.typeMonths {
		months = append(months, m[:]...)
	}
	for _, col := range []any{h, ix.idHi, ix.idLo, ix.skill0, ix.skill1, ix.skill2, ix.skillAny, ix.division0,
		ix.division1, ix.sections, ix.languages, ix.country, ix.mobility0, ix.mobility1, ix.place, ix.flags, ix.rate,
		ix.years, ix.availableDay, ix.noticeDays, ix.bookingStart, ix.bookingEnd, months, ix.asOf} {
		if err := put(col); err != nil {
			return fmt.Errorf("index snapshot: %w", err)
		}
	}
	side := snapshotSide{LanguageIDs: ix.languageIDs, LanguageOverflow: ix.languageOverflow,
		MobilityOverflow: ix.mobilityOverflow, Bookings: ix.bookings, PlaceIDs: ix.placeIDs}
	if err := gob.NewEncoder(bw).Encode(side); err != nil {
		return fmt.Errorf("index snapshot: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("index snapshot: %w", err)
	}
	return binary.Write(w, binary.LittleEndian, crc.Sum32())
}

// ReadSnapshot reads what WriteSnapshot wrote; any damage is an error, never a wrong index.
func ReadSnapshot(r io.Reader) (*Index, uint64, error) {
	crc := crc32.NewIEEE()
	br := bufio.NewReaderSize(r, 1<<20)
	tr := io.TeeReader(br, crc)
	get := func(v any) error { return binary.Read(tr, binary.LittleEndian, v) }
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(tr, magic); err != nil || string(magic) != snapshotMagic {
		return nil, 0, errors.New("index snapshot: not a snapshot")
	}
	var h snapshotHeader
	if err := get(&h); err != nil {
		return nil, 0, fmt.Errorf("index snapshot: %w", err)
	}
	if h.Version != snapshotVersion || h.MissionType != domain.MissionTypeCount-1 || h.Slots > 1<<31 {
		return nil, 0, fmt.Errorf("index snapshot: version %d with %d mission types is not readable", h.Version, h.MissionType)
	}
	n := int(h.Slots)
	ix := New(n)
	ix.idHi, ix.idLo = ix.idHi[:n], ix.idLo[:n]
	ix.skill0, ix.skill1, ix.skill2, ix.skillAny = ix.skill0[:n], ix.skill1[:n], ix.skill2[:n], ix.skillAny[:n]
	ix.division0, ix.division1, ix.sections, ix.languages = ix.division0[:n], ix.division1[:n], ix.sections[:n], ix.languages[:n]
	ix.country, ix.mobility0, ix.mobility1, ix.flags = ix.country[:n], ix.mobility0[:n], ix.mobility1[:n], ix.flags[:n]
	ix.place = ix.place[:n]
	ix.rate, ix.years, ix.availableDay, ix.noticeDays = ix.rate[:n], ix.years[:n], ix.availableDay[:n], ix.noticeDays[:n]
	ix.bookingStart, ix.bookingEnd = ix.bookingStart[:n], ix.bookingEnd[:n]
	ix.typeMonths, ix.exposure, ix.asOf = ix.typeMonths[:n], ix.exposure[:n], ix.asOf[:n]
	months := make([]uint8, n*(domain.MissionTypeCount-1))
	for _, col := range []any{ix.idHi, ix.idLo, ix.skill0, ix.skill1, ix.skill2, ix.skillAny, ix.division0,
		ix.division1, ix.sections, ix.languages, ix.country, ix.mobility0, ix.mobility1, ix.place, ix.flags, ix.rate,
		ix.years, ix.availableDay, ix.noticeDays, ix.bookingStart, ix.bookingEnd, months, ix.asOf} {
		if err := get(col); err != nil {
			return nil, 0, fmt.Errorf("index snapshot: %w", err)
		}
	}
	for s := range ix.typeMonths {
		copy(ix.typeMonths[s][:], months[s*(domain.MissionTypeCount-1):])
	}
	var side snapshotSide
	if err := gob.NewDecoder(byteReader{tr}).Decode(&side); err != nil {
		return nil, 0, fmt.Errorf("index snapshot: %w", err)
	}
	sum := crc.Sum32()
	var stored uint32
	if err := binary.Read(br, binary.LittleEndian, &stored); err != nil || stored != sum {
		return nil, 0, errors.New("index snapshot: checksum mismatch")
	}
	ix.languageIDs = side.LanguageIDs
	for b, l := range ix.languageIDs {
		ix.languageBit[l] = uint(b)
	}
	for _, m := range []*map[int32][]string{&side.LanguageOverflow, &side.MobilityOverflow} {
		if *m == nil {
			*m = map[int32][]string{}
		}
	}
	ix.languageOverflow, ix.mobilityOverflow = side.LanguageOverflow, side.MobilityOverflow
	if side.Bookings != nil {
		ix.bookings = side.Bookings
	}
	if err := ix.loadPlaces(side.PlaceIDs); err != nil {
		return nil, 0, err
	}
	ix.alive, ix.erased = int(h.Alive), int(h.Erased)
	for s := range n {
		ix.insertTable(int32(s))
	}
	if slices.Contains(ix.flags, 0) {
		// A slot with no flag is neither alive nor erased: the snapshot was not written by
		// WriteSnapshot.
		return nil, 0, errors.New("index snapshot: empty slot")
	}
	return ix, h.CoveredSeq, nil
}

// loadPlaces takes the snapshot's place table, which must start with the unknown place, hold
// each place once and name every code the place column uses.
func (ix *Index) loadPlaces(ids []place) error {
	if len(ids) == 0 || ids[0] != (place{}) || len(ids) > maxPlaces {
		return errors.New("index snapshot: bad place table")
	}
	code := make(map[place]uint16, len(ids))
	for c, pl := range ids {
		if _, dup := code[pl]; dup {
			return errors.New("index snapshot: a place twice in the place table")
		}
		code[pl] = uint16(c)
	}
	if len(ix.place) > 0 && int(slices.Max(ix.place)) >= len(ids) {
		return errors.New("index snapshot: a place code outside the place table")
	}
	ix.placeIDs, ix.placeCode = ids, code
	return nil
}

// byteReader gives gob an io.ByteReader, so that it reads no further than its own data and the
// checksum that follows stays in the stream.
type byteReader struct{ io.Reader }

func (b byteReader) ReadByte() (byte, error) {
	var one [1]byte
	_, err := io.ReadFull(b.Reader, one[:])
	return one[0], err
}
