"""A small QR code encoder (ISO/IEC 18004, byte mode, versions 1-10) for MicroPython.

Written for the firmware, where the ``qrcode`` package cannot run: plain integers,
lists and bytearrays only. Versions 1-10 hold up to 271 bytes at level L, 213 at M: plenty
for a ``verification_uri_complete``. The tests check the output module for module against
the ``qrcode`` package and decode it with zxing-cpp.

    code = encode("https://example.com/device?user_code=WDJB-MJHT", "M")
    code.size, code.version, code.mask, code.dark(x, y)
"""

# Per version 1-10 (index 0 unused): codewords in the symbol, and for each level the EC
# codewords per block and the number of blocks (ISO/IEC 18004:2015 Table 9).
_TOTAL = (0, 26, 44, 70, 100, 134, 172, 196, 242, 292, 346)
_EC = {
    "L": ((0, 0), (7, 1), (10, 1), (15, 1), (20, 1), (26, 1), (18, 2), (20, 2), (24, 2),
          (30, 2), (18, 4)),
    "M": ((0, 0), (10, 1), (16, 1), (26, 1), (18, 2), (24, 2), (16, 4), (18, 4), (22, 4),
          (22, 5), (26, 5)),
    "Q": ((0, 0), (13, 1), (22, 1), (18, 2), (26, 2), (18, 4), (24, 4), (18, 6), (22, 6),
          (20, 8), (24, 8)),
    "H": ((0, 0), (17, 1), (28, 1), (22, 2), (16, 4), (22, 4), (28, 4), (26, 5), (26, 6),
          (24, 8), (28, 8)),
}  # fmt: skip
_LEVEL_BITS = {"L": 1, "M": 0, "Q": 3, "H": 2}  # the 2 level bits of the format information
MAX_VERSION = 10

# GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D): exp and log tables.
_EXP = bytearray(512)
_LOG = bytearray(256)
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


def _gf_mul(a, b):
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _rs_generator(degree):
    """Coefficients (highest first, leading 1 dropped) of prod(x - a^i), i < degree."""
    g = [1]
    for i in range(degree):
        nxt = [0] * (len(g) + 1)
        for j in range(len(g)):
            nxt[j] ^= g[j]
            nxt[j + 1] ^= _gf_mul(g[j], _EXP[i])
        g = nxt
    return g[1:]


def _rs_remainder(data, gen):
    rem = [0] * len(gen)
    for b in data:
        factor = b ^ rem[0]
        rem.pop(0)
        rem.append(0)
        for i in range(len(gen)):
            rem[i] ^= _gf_mul(gen[i], factor)
    return rem


def _data_capacity(version, level):
    ec, blocks = _EC[level][version]
    return _TOTAL[version] - ec * blocks


def _codewords(data, version, level):
    """Data bits (byte mode) padded, split in blocks, with EC, interleaved (ISO 7.4-7.6)."""
    count_bits = 8 if version <= 9 else 16
    bits = []

    def put(value, n):
        for i in range(n - 1, -1, -1):
            bits.append((value >> i) & 1)

    put(0b0100, 4)
    put(len(data), count_bits)
    for b in data:
        put(b, 8)
    capacity = _data_capacity(version, level) * 8
    put(0, min(4, capacity - len(bits)))  # terminator
    put(0, (8 - len(bits) % 8) % 8)
    out = []
    for i in range(0, len(bits), 8):
        v = 0
        for bit in bits[i : i + 8]:
            v = (v << 1) | bit
        out.append(v)
    pad = 0xEC
    while len(out) < capacity // 8:
        out.append(pad)
        pad ^= 0xEC ^ 0x11
    ec, nblocks = _EC[level][version]
    total = _TOTAL[version]
    short = total // nblocks  # codewords in a short block (data + EC)
    nshort = nblocks - total % nblocks
    gen = _rs_generator(ec)
    blocks = []
    eccs = []
    k = 0
    for i in range(nblocks):
        n = short - ec + (0 if i < nshort else 1)
        block = out[k : k + n]
        k += n
        blocks.append(block)
        eccs.append(_rs_remainder(block, gen))
    result = []
    for i in range(short - ec + 1):
        for b in blocks:
            if i < len(b):
                result.append(b[i])
    for i in range(ec):
        for e in eccs:
            result.append(e[i])
    return result


def _alignment_positions(version):
    if version == 1:
        return []
    n = version // 7 + 2
    size = version * 4 + 17
    step = (version * 8 + n * 3 + 5) // (n * 4 - 4) * 2
    pos = [6]
    for i in range(n - 1):
        pos.insert(1, size - 7 - i * step)
    return pos


def _mask_bit(mask, y, x):
    if mask == 0:
        return (x + y) % 2 == 0
    if mask == 1:
        return y % 2 == 0
    if mask == 2:
        return x % 3 == 0
    if mask == 3:
        return (x + y) % 3 == 0
    if mask == 4:
        return (y // 2 + x // 3) % 2 == 0
    if mask == 5:
        return x * y % 2 + x * y % 3 == 0
    if mask == 6:
        return (x * y % 2 + x * y % 3) % 2 == 0
    return ((x + y) % 2 + x * y % 3) % 2 == 0


class QrCode:
    """A finished symbol: ``modules[y][x]`` is 1 for a dark module."""

    def __init__(self, version, level, mask, modules):
        self.version = version
        self.level = level
        self.mask = mask
        self.modules = modules
        self.size = len(modules)

    def dark(self, x, y):
        return self.modules[y][x] == 1


class _Builder:
    def __init__(self, version):
        self.version = version
        self.size = version * 4 + 17
        self.m = [bytearray(self.size) for _ in range(self.size)]
        self.fn = [bytearray(self.size) for _ in range(self.size)]  # function modules

    def set(self, x, y, dark):
        self.m[y][x] = 1 if dark else 0
        self.fn[y][x] = 1

    def function_patterns(self):
        s = self.size
        for i in range(s):
            self.set(6, i, i % 2 == 0)
            self.set(i, 6, i % 2 == 0)
        for cx, cy in ((3, 3), (s - 4, 3), (3, s - 4)):
            for dy in range(-4, 5):
                for dx in range(-4, 5):
                    x, y = cx + dx, cy + dy
                    if 0 <= x < s and 0 <= y < s:
                        d = max(abs(dx), abs(dy))
                        self.set(x, y, d != 2 and d != 4)
        pos = _alignment_positions(self.version)
        last = len(pos) - 1
        for i in range(len(pos)):
            for j in range(len(pos)):
                if (i == 0 and j == 0) or (i == 0 and j == last) or (i == last and j == 0):
                    continue  # these corners hold finder patterns
                for dy in range(-2, 3):
                    for dx in range(-2, 3):
                        self.set(pos[i] + dx, pos[j] + dy, max(abs(dx), abs(dy)) != 1)
        self.format_bits("M", 0)  # reserve the areas; drawn for real after masking
        if self.version >= 7:
            rem = self.version
            for _ in range(12):
                rem = (rem << 1) ^ ((rem >> 11) * 0x1F25)
            bits = self.version << 12 | rem
            for i in range(18):
                bit = (bits >> i) & 1
                a = s - 11 + i % 3
                b = i // 3
                self.set(a, b, bit)
                self.set(b, a, bit)

    def format_bits(self, level, mask):
        data = _LEVEL_BITS[level] << 3 | mask
        rem = data
        for _ in range(10):
            rem = (rem << 1) ^ ((rem >> 9) * 0x537)
        bits = (data << 10 | rem) ^ 0x5412
        s = self.size
        for i in range(6):
            self.set(8, i, (bits >> i) & 1)
        self.set(8, 7, (bits >> 6) & 1)
        self.set(8, 8, (bits >> 7) & 1)
        self.set(7, 8, (bits >> 8) & 1)
        for i in range(9, 15):
            self.set(14 - i, 8, (bits >> i) & 1)
        for i in range(8):
            self.set(s - 1 - i, 8, (bits >> i) & 1)
        for i in range(8, 15):
            self.set(8, s - 15 + i, (bits >> i) & 1)
        self.set(8, s - 8, True)  # the dark module

    def place(self, codewords):
        s = self.size
        i = 0
        n = len(codewords) * 8
        right = s - 1
        while right >= 1:
            if right == 6:
                right = 5  # the vertical timing pattern column is skipped
            upward = (right + 1) & 2 == 0
            for vert in range(s):
                y = s - 1 - vert if upward else vert
                for j in range(2):
                    x = right - j
                    if not self.fn[y][x] and i < n:
                        self.m[y][x] = (codewords[i >> 3] >> (7 - (i & 7))) & 1
                        i += 1
            right -= 2

    def apply_mask(self, mask):
        s = self.size
        for y in range(s):
            row = self.m[y]
            fn = self.fn[y]
            for x in range(s):
                if not fn[x] and _mask_bit(mask, y, x):
                    row[x] ^= 1


def _penalty(m):
    """ISO/IEC 18004 §7.8.3 penalty: runs, 2x2 blocks, finder look-alikes, dark balance."""
    s = len(m)
    score = 0
    cols = [bytearray(m[y][x] for y in range(s)) for x in range(s)]
    finder_a = bytes((1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0))
    finder_b = bytes((0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1))
    for line in m + cols:
        run = 1
        for i in range(1, s):
            if line[i] == line[i - 1]:
                run += 1
            else:
                if run >= 5:
                    score += run - 2
                run = 1
        if run >= 5:
            score += run - 2
        b = bytes(line)
        for pattern in (finder_a, finder_b):
            start = b.find(pattern)
            while start >= 0:
                score += 40
                start = b.find(pattern, start + 1)
    dark = 0
    for y in range(s):
        row = m[y]
        dark += sum(row)
        if y + 1 < s:
            nxt = m[y + 1]
            for x in range(s - 1):
                c = row[x]
                if c == row[x + 1] == nxt[x] == nxt[x + 1]:
                    score += 3
    total = s * s
    score += abs(dark * 100 // total - 50) // 5 * 10
    return score


def encode(text, level="M", mask=None, min_version=1):
    """The smallest QR code (version >= ``min_version``) holding ``text`` at ``level``.

    ``mask`` None picks the mask with the lowest penalty, as the standard asks. Raises
    ValueError when the text does not fit in version 10.
    """
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    if level not in _EC:
        raise ValueError("level must be L, M, Q or H")
    version = None
    for v in range(min_version, MAX_VERSION + 1):
        count_bits = 8 if v <= 9 else 16
        if 4 + count_bits + len(data) * 8 <= _data_capacity(v, level) * 8:
            version = v
            break
    if version is None:
        raise ValueError("%d bytes do not fit in a version %d QR code" % (len(data), MAX_VERSION))
    b = _Builder(version)
    b.function_patterns()
    b.place(_codewords(data, version, level))
    masks = range(8) if mask is None else (mask,)
    best_score = -1
    best_mask = 0
    best_modules = []
    for k in masks:
        b.apply_mask(k)
        b.format_bits(level, k)
        score = _penalty(b.m) if mask is None else 0
        if best_score < 0 or score < best_score:
            best_score, best_mask = score, k
            best_modules = [bytearray(row) for row in b.m]
        b.apply_mask(k)  # masking twice undoes it
    return QrCode(version, level, best_mask, best_modules)
