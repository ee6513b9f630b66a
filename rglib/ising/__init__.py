"""The Ising model: exact results (1D chain, square lattice), enumeration and Monte Carlo samplers (single-spin,
multi-spin coded, cluster).

Submodules: ``chain``, ``cluster``, ``enumerated_sums``, ``enumeration``, ``metropolis``, ``multispin``, ``multispin_torch``, ``sampling``, ``square``.
Their public names are also available here, imported on first use (``from rglib.ising import ...``).
"""
from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        'chain': [
            'ring_log_partition', 'ring_magnetization', 'ring_correlation', 'ring_connected_correlation',
            'ring_entropy', 'chain_log_partition_per_site', 'chain_magnetization', 'chain_correlation_length',
            'chain_nn_correlation', 'chain_entropy_per_site', 'ChainParts', 'chain_parts'
        ],
        'cluster': [
            'swendsen_wang'
        ],
        'enumerated_sums': [
            'enumerate_log_partition', 'enumerate_expectation', 'ExpectationWithLogPartition',
            'enumerate_boltzmann_probabilities', 'enumerate_torus_density_of_states'
        ],
        'enumeration': [
            'MAX_ENUMERATION_SPINS', 'MAX_TORUS_SITES', 'all_spin_configurations', 'iter_spin_configurations',
            'configuration_index', 'torus_bonds', 'bond_sum', 'state_codes', 'ring_bond_sums', 'magnetizations',
            'kept_state_codes', 'walsh_coefficients', 'walsh_synthesis', 'subset_orders'
        ],
        'metropolis': [
            'ChainRecord', 'MAX_SITE_UPDATES', 'MAX_RANDOM_SPINS', 'random_spins', 'checkerboard_metropolis'
        ],
        'multispin': [
            'REPLICAS_PER_WORD', 'pack_replicas', 'unpack_replicas', 'bernoulli_digits', 'multispin_metropolis'
        ],
        'multispin_torch': [
            'FULL_DIGITS', 'pack_replicas_torch', 'unpack_replicas_torch', 'multispin_metropolis_torch'
        ],
        'sampling': [
            'sample_configurations', 'SampleSet', 'ThermoEstimate', 'measure_thermodynamics'
        ],
        'square': [
            'K_CRITICAL', 'T_CRITICAL', 'KAUFMAN_MAX_TERMS', 'ONSAGER_MAX_POINTS', 'onsager_free_energy',
            'onsager_internal_energy', 'onsager_specific_heat', 'yang_magnetization', 'kaufman_log_partition',
            'kaufman_internal_energy', 'kaufman_specific_heat', 'lattice_bond_sum', 'lattice_energy',
            'lattice_magnetization'
        ],
    },
)
