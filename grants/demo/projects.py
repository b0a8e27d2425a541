"""What the demo's projects are made of: research areas and their topics, countries and institutions, names for
their leads, the mentors and the compute that come with some awards."""

AREAS = {
    "computational-complexity": (
        "Computational complexity theory",
        [
            "Hardness of verifying learned circuits",
            "Complexity limits of scalable oversight",
            "Proof systems for model behaviour",
            "Interactive proofs for AI debate",
        ],
    ),
    "economics-game-theory": (
        "Economic theory and game theory",
        [
            "Mechanism design for cooperative AI agents",
            "Incentive-compatible reward reporting",
            "Bargaining between principals and AI agents",
            "Equilibria of multi-agent training",
        ],
    ),
    "cognitive-science": (
        "Cognitive science",
        [
            "Concept formation in humans and language models",
            "Theory of mind probes for assistants",
            "Human oversight under cognitive load",
            "Metacognition and calibrated uncertainty",
        ],
    ),
    "information-theory-cryptography": (
        "Information theory and cryptography",
        [
            "Steganography detection in model outputs",
            "Cryptographic commitments for model audits",
            "Information bottlenecks and honest reporting",
            "Watermarks that survive fine-tuning",
        ],
    ),
    "interpretability": (
        "Interpretability",
        [
            "Sparse feature circuits at scale",
            "Causal scrubbing of planning behaviour",
            "Mechanistic signatures of deception",
            "Automated interpretability agents",
        ],
    ),
    "benchmarks-evaluation": (
        "Benchmark design and evaluation",
        [
            "Evaluations for sabotage propensity",
            "Measuring situational awareness",
            "Robust benchmarks against contamination",
            "Red-team evaluation protocols",
        ],
    ),
    "learning-theory": (
        "Learning theory",
        [
            "Generalisation of reward models under shift",
            "Sample complexity of value learning",
            "Goal misgeneralisation in theory",
            "Provable guarantees for safe exploration",
        ],
    ),
}

COUNTRIES = [  # Round 1 funded projects in eight countries.
    ("GB", ["University of Oxford", "University of Cambridge", "Imperial College London", "University of Edinburgh"]),
    ("US", ["Stanford University", "MIT", "UC Berkeley", "Carnegie Mellon University"]),
    ("CA", ["University of Toronto", "Mila - Quebec AI Institute", "University of British Columbia"]),
    ("DE", ["Max Planck Institute for Intelligent Systems", "University of Tübingen"]),
    ("FR", ["Inria", "École normale supérieure"]),
    ("NL", ["University of Amsterdam"]),
    ("CH", ["ETH Zurich", "EPFL"]),
    ("AU", ["Australian National University", "University of Melbourne"]),
]
GIVEN = [
    "Amara",
    "Ben",
    "Chen",
    "Dana",
    "Elif",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kiran",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Uma",
    "Victor",
    "Wen",
    "Yusuf",
    "Zoe",
]
FAMILY = [
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Novak",
    "Haddad",
    "Fischer",
    "Mensah",
    "Kowalski",
    "Rossi",
    "Duarte",
    "Nguyen",
    "Baker",
    "Ivanova",
    "Costa",
    "Larsen",
    "Patel",
    "Schmidt",
    "Walsh",
    "Yilmaz",
]
TITLE_VARIANTS = [
    "",
    " in multi-agent settings",
    " under distribution shift",
    " for frontier language models",
    " with formal guarantees",
    " in reinforcement learning",
]
MENTORS = ["AISI alignment team", "AISI interpretability team", "AISI evaluations team", "AISI theory team"]
COMPUTE = [("Amazon Web Services", "20,000 GPU-hours", "60000.00"), ("Anthropic", "API credits", "25000.00")]
