"""The pin map is written once: board profile, pin table, README wiring, SVG and Wokwi must agree.

Sources compared:
- firmware/board.py: module-level `NAME = const(value)` constants, read with `ast`;
- hardware/pins.md: the "Pin map" table;
- hardware/README.md: the wiring table (rows that name a constant);
- hardware/wiring.svg: elements carrying `data-signal` / `data-pin` / `data-to`;
- hardware/wokwi/diagram.json: parts and connections, traced into nets.
"""

import ast
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HARDWARE = ROOT / "hardware"
BOARD_PY = ROOT / "firmware" / "board.py"
PINS_MD = HARDWARE / "pins.md"
README_MD = HARDWARE / "README.md"
WIRING_SVG = HARDWARE / "wiring.svg"
WOKWI_DIAGRAM = HARDWARE / "wokwi" / "diagram.json"

PIN_CONSTANTS = ("BUTTON_PIN", "BUZZER_PIN", "SDA_PIN", "SCL_PIN", "MOTOR_PIN")
BUS_CONSTANTS = ("I2C_ID", "OLED_ADDR", "I2C_FREQ", "RTC_ADDR")
BOARD_CONSTANTS = PIN_CONSTANTS + BUS_CONSTANTS

# The 40-pin header shared by Raspberry Pi Pico, Pico W and Pico 2 (Pico datasheet pinout):
# physical pin number -> pin name. GND pins are numbered GND.1 .. GND.8 from pin 3 to pin 38,
# which is how Wokwi's wokwi-pi-pico names them.
PICO_HEADER = {
    1: "GP0", 2: "GP1", 3: "GND", 4: "GP2", 5: "GP3", 6: "GP4", 7: "GP5", 8: "GND",
    9: "GP6", 10: "GP7", 11: "GP8", 12: "GP9", 13: "GND", 14: "GP10", 15: "GP11",
    16: "GP12", 17: "GP13", 18: "GND", 19: "GP14", 20: "GP15", 21: "GP16", 22: "GP17",
    23: "GND", 24: "GP18", 25: "GP19", 26: "GP20", 27: "GP21", 28: "GND", 29: "GP22",
    30: "RUN", 31: "GP26", 32: "GP27", 33: "GND", 34: "GP28", 35: "ADC_VREF",
    36: "3V3", 37: "3V3_EN", 38: "GND", 39: "VSYS", 40: "VBUS",
}
GP_TO_PHYSICAL = {name: number for number, name in PICO_HEADER.items() if name.startswith("GP")}

# Pin names of the Wokwi parts the diagram may use (docs.wokwi.com part references).
WOKWI_PART_PINS = {
    "wokwi-pi-pico": (
        {name for name in PICO_HEADER.values() if name != "GND"}
        | {f"GND.{i}" for i in range(1, 9)}
    ),
    "board-ssd1306": {"GND", "VCC", "SCL", "SDA"},
    "wokwi-buzzer": {"1", "2"},
    "wokwi-pushbutton": {"1.l", "1.r", "2.l", "2.r"},
    "wokwi-resistor": {"1", "2"},
    "wokwi-led": {"A", "C"},
    # Wokwi has no DS3231; its DS1307 answers at the same address with the same time
    # registers, so it stands in for the optional clock chip.
    "wokwi-ds1307": {"GND", "5V", "SDA", "SCL", "SQW"},
}
# Pins that are one conductor inside a part, or that the trace passes through (series resistors).
WOKWI_JOINED_PINS = {
    "wokwi-pushbutton": (("1.l", "1.r"), ("2.l", "2.r")),
    "wokwi-resistor": (("1", "2"),),
}
REQUIRED_WOKWI_PARTS = ("wokwi-pi-pico", "board-ssd1306", "wokwi-buzzer", "wokwi-pushbutton")

# Which terminal of which part each pin constant must reach.
SVG_TERMINALS = {
    "SDA_PIN": "oled:SDA",
    "SCL_PIN": "oled:SCL",
    "BUTTON_PIN": "button",
    "BUZZER_PIN": "buzzer",
    "MOTOR_PIN": "motor-driver",
}


class PinMapError(ValueError):
    """A source of the pin map is missing, malformed or incomplete."""


def gp_name(gpio):
    return f"GP{gpio}"


def i2c_role(gpio):
    """(controller, 'SDA' or 'SCL') a GPIO can serve: the RP2040/RP2350 function table
    gives I2C0 SDA, I2C0 SCL, I2C1 SDA, I2C1 SCL to GPIO n with n % 4 == 0, 1, 2, 3."""
    return (gpio % 4) // 2, ("SDA", "SCL")[gpio % 2]


# ---------------------------------------------------------------- board.py


def read_board_constants(path):
    """The pin map constants of a board profile: {name: int}; raises PinMapError."""
    path = Path(path)
    if not path.is_file():
        raise PinMapError(f"{path} is missing: the board profile defines the pin map")
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        if not (isinstance(target, ast.Name) and target.id in BOARD_CONSTANTS):
            continue
        value = node.value
        is_const_call = (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "const"
            and len(value.args) == 1
            and not value.keywords
            and isinstance(value.args[0], ast.Constant)
            and type(value.args[0].value) is int
        )
        if not is_const_call:
            raise PinMapError(
                f"{path}:{node.lineno}: {target.id} must be assigned const(<integer>)"
            )
        if target.id in found:
            raise PinMapError(f"{path}:{node.lineno}: {target.id} is assigned twice")
        found[target.id] = value.args[0].value
    missing = [name for name in BOARD_CONSTANTS if name not in found]
    if missing:
        raise PinMapError(f"{path}: missing constants: {', '.join(missing)}")
    return found


# ---------------------------------------------------------------- Markdown tables


def markdown_tables(text):
    """Every pipe table in text: a list of tables, each a list of rows of stripped cells,
    the header row first and the |---| separator row dropped."""
    tables = []
    current = []
    for line in text.splitlines() + [""]:
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            cells = [cell.strip() for cell in stripped[1:-1].split("|")]
            if not all(re.fullmatch(r":?-+:?", cell) for cell in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    return tables


def _unquote(cell):
    return cell.strip().strip("`").strip()


def _find_table(tables, first_header, source):
    for table in tables:
        if table and table[0] and table[0][0] == first_header:
            return table
    raise PinMapError(f"{source}: no table whose first column is {first_header!r}")


def read_pins_table(path):
    """The pin map table of pins.md: {constant: {"value", "pin", "physical"}}."""
    path = Path(path)
    table = _find_table(markdown_tables(path.read_text(encoding="utf-8")), "Constant", path)
    header = table[0]
    expected = ["Constant", "Value", "Pico pin", "Physical pin", "Connects to"]
    if header != expected:
        raise PinMapError(f"{path}: pin map header is {header!r}, expected {expected!r}")
    rows = {}
    for cells in table[1:]:
        if len(cells) != len(expected):
            raise PinMapError(f"{path}: row {cells!r} has {len(cells)} cells")
        name = _unquote(cells[0])
        if name in rows:
            raise PinMapError(f"{path}: {name} appears twice")
        rows[name] = {
            "value": int(_unquote(cells[1]), 0),
            "pin": cells[2],
            "physical": cells[3],
        }
    missing = [name for name in BOARD_CONSTANTS if name not in rows]
    if missing:
        raise PinMapError(f"{path}: pin map lacks {', '.join(missing)}")
    return rows


def read_readme_wiring(path):
    """Rows of the README wiring table that land on a header pin:
    a list of (signal, pico pin name, physical pin number)."""
    path = Path(path)
    table = _find_table(markdown_tables(path.read_text(encoding="utf-8")), "Wire", path)
    header = table[0]
    for column in ("Pico pin", "Physical pin", "Signal"):
        if column not in header:
            raise PinMapError(f"{path}: wiring table has no {column!r} column")
    pin_col = header.index("Pico pin")
    phys_col = header.index("Physical pin")
    signal_col = header.index("Signal")
    rows = []
    for cells in table[1:]:
        if cells[phys_col].isdigit():
            rows.append((_unquote(cells[signal_col]), cells[pin_col], int(cells[phys_col])))
    return rows


# ---------------------------------------------------------------- SVG


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _text_of(element):
    return "".join(element.itertext()).strip()


def read_svg(path):
    """Signals, wires and visible pin labels of wiring.svg."""
    root = ET.parse(path).getroot()
    signals = {}
    wires = {}
    labels = []
    attrs = {}
    for element in root.iter():
        signal = element.get("data-signal")
        if signal is not None:
            if signal in signals:
                raise PinMapError(f"{path}: data-signal {signal} appears twice")
            pin_labels = [
                _text_of(child)
                for child in element.iter()
                if _local(child.tag) == "text" and "pin-label" in (child.get("class") or "")
            ]
            signals[signal] = {
                "pin": element.get("data-pin"),
                "physical": element.get("data-physical"),
                "labels": pin_labels,
            }
        terminal = element.get("data-to")
        if terminal is not None:
            wires.setdefault(terminal, []).append(element.get("data-pin"))
        for name in ("data-i2c-bus", "data-oled-addr", "data-i2c-freq"):
            if element.get(name) is not None:
                attrs[name] = (element.get(name), _text_of(element))
        if _local(element.tag) == "text" and re.fullmatch(r"GP\d+", _text_of(element)):
            labels.append(_text_of(element))
    return {"signals": signals, "wires": wires, "labels": labels, "attrs": attrs}


# ---------------------------------------------------------------- Wokwi


class _Nets:
    """Union-find over 'part:pin' endpoints."""

    def __init__(self):
        self.parent = {}

    def find(self, node):
        self.parent.setdefault(node, node)
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def join(self, a, b):
        self.parent[self.find(a)] = self.find(b)


def read_wokwi(path):
    """Parts by id and the nets of diagram.json; raises PinMapError on a bad reference."""
    path = Path(path)
    diagram = json.loads(path.read_text(encoding="utf-8"))
    if diagram.get("version") != 1:
        raise PinMapError(f"{path}: version must be 1")
    parts = {}
    for part in diagram["parts"]:
        if part["id"] in parts:
            raise PinMapError(f"{path}: part id {part['id']} appears twice")
        parts[part["id"]] = part
    nets = _Nets()
    for part_id, part in parts.items():
        for group in WOKWI_JOINED_PINS.get(part["type"], ()):
            for pin in group[1:]:
                nets.join(f"{part_id}:{group[0]}", f"{part_id}:{pin}")
    for connection in diagram["connections"]:
        if not (isinstance(connection, list) and len(connection) == 4):
            raise PinMapError(f"{path}: connection {connection!r} is not [from, to, color, route]")
        if not isinstance(connection[3], list):
            raise PinMapError(f"{path}: connection {connection!r}: route must be a list")
        for endpoint in connection[:2]:
            part_id, sep, pin = endpoint.partition(":")
            if not sep or part_id not in parts:
                raise PinMapError(f"{path}: {endpoint} names no part of the diagram")
            part_type = parts[part_id]["type"]
            known = WOKWI_PART_PINS.get(part_type)
            if known is None:
                raise PinMapError(f"{path}: part type {part_type} is not expected here")
            if pin not in known:
                raise PinMapError(f"{path}: {part_type} has no pin {pin}")
        nets.join(connection[0], connection[1])
    return parts, nets


def pico_gpios_on_net(parts, nets, endpoint):
    """The GPn names of the Pico pins on the same net as endpoint."""
    pico_ids = [pid for pid, part in parts.items() if part["type"] == "wokwi-pi-pico"]
    root = nets.find(endpoint)
    found = set()
    for pico in pico_ids:
        for pin in WOKWI_PART_PINS["wokwi-pi-pico"]:
            if pin.startswith("GP") and nets.find(f"{pico}:{pin}") == root:
                found.add(pin)
    return found


def pico_pins_on_net(parts, nets, endpoint):
    pico_ids = [pid for pid, part in parts.items() if part["type"] == "wokwi-pi-pico"]
    root = nets.find(endpoint)
    return {
        pin
        for pico in pico_ids
        for pin in WOKWI_PART_PINS["wokwi-pi-pico"]
        if nets.find(f"{pico}:{pin}") == root
    }


def _part_of_type(parts, part_type):
    ids = sorted(pid for pid, part in parts.items() if part["type"] == part_type)
    if len(ids) != 1:
        raise PinMapError(f"expected one {part_type} in the Wokwi diagram, found {len(ids)}")
    return ids[0]


# ================================================================ fixtures


@pytest.fixture(scope="module")
def board():
    try:
        return read_board_constants(BOARD_PY)
    except PinMapError as e:
        pytest.fail(str(e))


@pytest.fixture(scope="module")
def pins():
    return read_pins_table(PINS_MD)


@pytest.fixture(scope="module")
def wokwi():
    return read_wokwi(WOKWI_DIAGRAM)


@pytest.fixture(scope="module")
def svg():
    return read_svg(WIRING_SVG)


# ================================================================ the board profile itself


def test_board_profile_pins_are_distinct_header_gpios(board):
    gpios = [board[name] for name in PIN_CONSTANTS]
    assert len(set(gpios)) == len(gpios), f"two signals share a GPIO: {gpios!r}"
    for name in PIN_CONSTANTS:
        assert gp_name(board[name]) in GP_TO_PHYSICAL, f"{name}={board[name]} is not on the header"


def test_board_profile_i2c_pins_belong_to_its_controller(board):
    assert i2c_role(board["SDA_PIN"]) == (board["I2C_ID"], "SDA")
    assert i2c_role(board["SCL_PIN"]) == (board["I2C_ID"], "SCL")
    assert 0x08 <= board["OLED_ADDR"] <= 0x77
    assert board["I2C_FREQ"] in (100000, 400000, 1000000)


# ================================================================ pins.md


def test_pins_table_matches_board_profile(board, pins):
    for name in BOARD_CONSTANTS:
        assert pins[name]["value"] == board[name], (name, pins[name]["value"], board[name])


def test_pins_table_names_the_right_header_pins(board, pins):
    for name in PIN_CONSTANTS:
        assert pins[name]["pin"] == gp_name(board[name])
        assert int(pins[name]["physical"]) == GP_TO_PHYSICAL[gp_name(board[name])]
    assert pins["I2C_ID"]["pin"] == f"I2C{board['I2C_ID']}"


def test_pins_power_table_uses_real_header_pins():
    table = _find_table(markdown_tables(PINS_MD.read_text(encoding="utf-8")), "Pico pin", PINS_MD)
    assert len(table) > 1
    for cells in table[1:]:
        name, physical = cells[0], int(cells[1])
        assert PICO_HEADER[physical] == name.replace("3V3(OUT)", "3V3"), cells


# ================================================================ README wiring table


def test_readme_wiring_table_matches_board_profile(board):
    rows = [row for row in read_readme_wiring(README_MD) if row[0] in BOARD_CONSTANTS]
    assert sorted(signal for signal, _, _ in rows) == sorted(PIN_CONSTANTS)
    for signal, pin, physical in rows:
        assert pin == gp_name(board[signal]), (signal, pin)
        assert physical == GP_TO_PHYSICAL[pin], (signal, physical)


def test_readme_wiring_table_power_pins_are_real():
    rows = [row for row in read_readme_wiring(README_MD) if row[0] not in BOARD_CONSTANTS]
    assert {signal for signal, _, _ in rows} == {"power", "ground"}
    for _, pin, physical in rows:
        assert PICO_HEADER[physical] == pin.replace("3V3(OUT)", "3V3"), (pin, physical)


def test_readme_names_bus_address_and_clock(board):
    text = README_MD.read_text(encoding="utf-8")
    assert f"I2C{board['I2C_ID']}" in text
    assert f"0x{board['OLED_ADDR']:02X}" in text
    assert f"{board['I2C_FREQ'] // 1000} kHz" in text


# ================================================================ wiring.svg


def test_svg_pin_labels_match_board_profile(board, svg):
    assert set(svg["signals"]) == set(PIN_CONSTANTS)
    for name in PIN_CONSTANTS:
        entry = svg["signals"][name]
        expected = gp_name(board[name])
        assert entry["pin"] == expected, (name, entry["pin"])
        assert entry["labels"] == [expected], (name, entry["labels"])
        assert int(entry["physical"]) == GP_TO_PHYSICAL[expected], (name, entry["physical"])


def test_svg_has_no_stray_gpio_labels(board, svg):
    used = sorted(gp_name(board[name]) for name in PIN_CONSTANTS)
    assert sorted(svg["labels"]) == used


def test_svg_wires_reach_the_right_parts(board, svg):
    for name, terminal in SVG_TERMINALS.items():
        assert svg["wires"].get(terminal) == [gp_name(board[name])], (terminal, svg["wires"])


def test_svg_states_bus_address_and_clock(board, svg):
    bus = f"I2C{board['I2C_ID']}"
    addr = f"0x{board['OLED_ADDR']:02X}"
    freq = f"{board['I2C_FREQ'] // 1000} kHz"
    assert svg["attrs"]["data-i2c-bus"][0] == bus
    assert bus in svg["attrs"]["data-i2c-bus"][1]
    assert svg["attrs"]["data-oled-addr"][0] == addr
    assert addr in svg["attrs"]["data-oled-addr"][1]
    assert svg["attrs"]["data-i2c-freq"][0] == str(board["I2C_FREQ"])
    assert freq in svg["attrs"]["data-i2c-freq"][1]


# ================================================================ Wokwi diagram


def test_wokwi_diagram_has_required_parts(wokwi):
    parts, _ = wokwi
    types = [part["type"] for part in parts.values()]
    for part_type in REQUIRED_WOKWI_PARTS:
        assert types.count(part_type) == 1, (part_type, types)


def test_wokwi_connections_reference_existing_parts_and_pins():
    # read_wokwi raises on an unknown part id, part type or pin name.
    parts, nets = read_wokwi(WOKWI_DIAGRAM)
    diagram = json.loads(WOKWI_DIAGRAM.read_text(encoding="utf-8"))
    endpoints = {end.partition(":")[0] for c in diagram["connections"] for end in c[:2]}
    assert endpoints == set(parts), "every part is wired and every wire ends on a part"


def test_wokwi_signals_reach_board_pins(board, wokwi):
    parts, nets = wokwi
    oled = _part_of_type(parts, "board-ssd1306")
    button = _part_of_type(parts, "wokwi-pushbutton")
    buzzer = _part_of_type(parts, "wokwi-buzzer")
    motor = _part_of_type(parts, "wokwi-led")
    expected = {
        "SDA_PIN": f"{oled}:SDA",
        "SCL_PIN": f"{oled}:SCL",
        "BUTTON_PIN": f"{button}:1.l",
        "BUZZER_PIN": f"{buzzer}:2",
        "MOTOR_PIN": f"{motor}:A",
    }
    for name, endpoint in expected.items():
        assert pico_gpios_on_net(parts, nets, endpoint) == {gp_name(board[name])}, name


def test_wokwi_returns_go_to_ground_and_oled_is_powered(wokwi):
    parts, nets = wokwi
    oled = _part_of_type(parts, "board-ssd1306")
    button = _part_of_type(parts, "wokwi-pushbutton")
    buzzer = _part_of_type(parts, "wokwi-buzzer")
    motor = _part_of_type(parts, "wokwi-led")
    for endpoint in (f"{oled}:GND", f"{button}:2.l", f"{buzzer}:1", f"{motor}:C"):
        pins = pico_pins_on_net(parts, nets, endpoint)
        assert pins and all(pin.startswith("GND.") for pin in pins), (endpoint, pins)
    assert pico_pins_on_net(parts, nets, f"{oled}:VCC") == {"3V3"}


def test_wokwi_clock_chip_shares_the_oled_bus_and_power(board, wokwi):
    parts, nets = wokwi
    rtc = _part_of_type(parts, "wokwi-ds1307")
    assert pico_gpios_on_net(parts, nets, f"{rtc}:SDA") == {gp_name(board["SDA_PIN"])}
    assert pico_gpios_on_net(parts, nets, f"{rtc}:SCL") == {gp_name(board["SCL_PIN"])}
    assert pico_pins_on_net(parts, nets, f"{rtc}:5V") == {"3V3"}  # a DS3231 runs on 3.3 V
    pins = pico_pins_on_net(parts, nets, f"{rtc}:GND")
    assert pins and all(pin.startswith("GND.") for pin in pins)


def test_readme_and_pins_name_the_clock_chip_address(board):
    addr = f"0x{board['RTC_ADDR']:02X}"
    assert addr in README_MD.read_text(encoding="utf-8")
    assert board["RTC_ADDR"] != board["OLED_ADDR"]


def test_wokwi_oled_address_matches_board_profile(board, wokwi):
    parts, _ = wokwi
    oled = parts[_part_of_type(parts, "board-ssd1306")]
    assert int(oled["attrs"]["i2cAddress"], 16) == board["OLED_ADDR"]


# ================================================================ the readers reject bad input


GOOD_BOARD = """from micropython import const
BUTTON_PIN = const(14)
BUZZER_PIN = const(15)
I2C_ID = const(0)
SDA_PIN = const(4)
SCL_PIN = const(5)
OLED_ADDR = const(0x3C)
I2C_FREQ = const(400000)
RTC_ADDR = const(0x68)
MOTOR_PIN = const(16)
"""


def test_read_board_constants__valid(tmp_path):
    path = tmp_path / "board.py"
    path.write_text(GOOD_BOARD)
    assert read_board_constants(path) == {
        "BUTTON_PIN": 14,
        "BUZZER_PIN": 15,
        "I2C_ID": 0,
        "SDA_PIN": 4,
        "SCL_PIN": 5,
        "OLED_ADDR": 0x3C,
        "I2C_FREQ": 400000,
        "RTC_ADDR": 0x68,
        "MOTOR_PIN": 16,
    }


def test_read_board_constants__missing_file(tmp_path):
    path = tmp_path / "board.py"
    with pytest.raises(PinMapError, match=r"board\.py is missing: the board profile defines"):
        read_board_constants(path)


def test_read_board_constants__missing_constant(tmp_path):
    path = tmp_path / "board.py"
    path.write_text(GOOD_BOARD.replace("MOTOR_PIN = const(16)\n", ""))
    with pytest.raises(PinMapError, match=r"missing constants: MOTOR_PIN$"):
        read_board_constants(path)


def test_read_board_constants__not_const(tmp_path):
    path = tmp_path / "board.py"
    path.write_text(GOOD_BOARD.replace("SDA_PIN = const(4)", "SDA_PIN = 4"))
    with pytest.raises(PinMapError, match=r"board\.py:5: SDA_PIN must be assigned const"):
        read_board_constants(path)


def test_read_board_constants__nested_definition_does_not_count(tmp_path):
    path = tmp_path / "board.py"
    text = GOOD_BOARD.replace("BUZZER_PIN = const(15)\n", "if True:\n    BUZZER_PIN = const(15)\n")
    path.write_text(text)
    with pytest.raises(PinMapError, match=r"missing constants: BUZZER_PIN$"):
        read_board_constants(path)


def test_markdown_tables__splits_tables_and_drops_separator():
    text = "x\n| a | b |\n|---|:--:|\n| 1 | 2 |\n\n| c |\n|---|\n| 3 |\n"
    assert markdown_tables(text) == [[["a", "b"], ["1", "2"]], [["c"], ["3"]]]


def test_read_wokwi__unknown_part(tmp_path):
    path = tmp_path / "diagram.json"
    diagram = json.loads(WOKWI_DIAGRAM.read_text(encoding="utf-8"))
    diagram["connections"].append(["pico:GP2", "ghost:1", "green", []])
    path.write_text(json.dumps(diagram))
    with pytest.raises(PinMapError, match=r"ghost:1 names no part of the diagram"):
        read_wokwi(path)


def test_read_wokwi__unknown_pin(tmp_path):
    path = tmp_path / "diagram.json"
    diagram = json.loads(WOKWI_DIAGRAM.read_text(encoding="utf-8"))
    diagram["connections"].append(["pico:GP23", "oled1:SDA", "green", []])
    path.write_text(json.dumps(diagram))
    with pytest.raises(PinMapError, match=r"wokwi-pi-pico has no pin GP23"):
        read_wokwi(path)


def test_read_wokwi__moved_wire_is_seen(tmp_path):
    path = tmp_path / "diagram.json"
    text = WOKWI_DIAGRAM.read_text(encoding="utf-8").replace('"pico:GP14"', '"pico:GP13"')
    path.write_text(text)
    parts, nets = read_wokwi(path)
    button = _part_of_type(parts, "wokwi-pushbutton")
    assert pico_gpios_on_net(parts, nets, f"{button}:1.l") == {"GP13"}


def test_i2c_role__function_table():
    assert i2c_role(4) == (0, "SDA")
    assert i2c_role(5) == (0, "SCL")
    assert i2c_role(6) == (1, "SDA")
    assert i2c_role(27) == (1, "SCL")


# ================================================================ Wokwi project settings


def read_wokwi_toml(path):
    """The key = value settings of wokwi.toml's [wokwi] table (strings and integers)."""
    settings = {}
    section = None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            section = line.strip("[]").strip()
            continue
        key, _, value = (part.strip() for part in line.partition("="))
        if section == "wokwi":
            settings[key] = value[1:-1] if value[:1] in "\"'" else int(value)
    return settings


def test_wokwi_toml_matches_its_readme():
    settings = read_wokwi_toml(HARDWARE / "wokwi" / "wokwi.toml")
    readme = (HARDWARE / "wokwi" / "README.md").read_text(encoding="utf-8")
    assert settings["version"] == 1
    assert settings["firmware"].endswith(".uf2")
    assert f"`{settings['firmware']}`" in readme
    assert f"rfc2217://localhost:{settings['rfc2217ServerPort']}" in readme
    assert "rfc2217://localhost:" not in readme.replace(
        f"rfc2217://localhost:{settings['rfc2217ServerPort']}", ""
    )


# ================================================================ bring-up commands in the docs

SELFTEST_PY = ROOT / "firmware" / "selftest.py"
_SELFTEST_CALL = re.compile(r"import selftest; selftest\.(\w+)\(\)")


def selftest_calls(paths):
    """Every `import selftest; selftest.NAME()` the docs tell a builder to type."""
    calls = []
    for path in paths:
        calls.extend(_SELFTEST_CALL.findall(Path(path).read_text(encoding="utf-8")))
    return calls


def callable_without_arguments(path, name):
    """Whether path defines a module-level function name that needs no arguments."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            args = node.args
            positional = args.posonlyargs + args.args
            kw_without_default = [d for d in args.kw_defaults if d is None]
            return len(args.defaults) == len(positional) and not kw_without_default
    return False


def test_docs_selftest_command_calls_a_real_entry_point():
    calls = selftest_calls([README_MD, HARDWARE / "wokwi" / "README.md"])
    assert len(calls) >= 3
    for name in set(calls):
        assert callable_without_arguments(SELFTEST_PY, name), name


def test_callable_without_arguments(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("def a():\n    pass\ndef b(x, y=1):\n    pass\ndef c(x=1, *, k=2):\n    pass\n")
    assert callable_without_arguments(path, "a")
    assert not callable_without_arguments(path, "b")
    assert callable_without_arguments(path, "c")
    assert not callable_without_arguments(path, "missing")
