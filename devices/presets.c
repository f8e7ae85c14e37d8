/* Named parameter sets of published devices (device-models.md). Each preset
 * is a model plus parameter values over that model's defaults; conductances
 * come from R_ON and the ON/OFF ratio where the source gives those
 * (Gmax = 1/R_ON, Gmin = Gmax/(ON/OFF)). */
#include "devices/devices_internal.h"

#include <string.h>

/* NeuroSim V3.0 manual §9 Table II (device-models.md §5.1), states = P_max both ways. */
#define NS(nm, states, nl_p, nl_d, ron, onoff, c2c_, src)                                         \
    {nm, "neurosim", src,                                                                         \
     {{"gmax", 1.0 / (ron)}, {"gmin", 1.0 / (ron) / (onoff)}, {"p_ltp", states}, {"p_ltd", states}, \
      {"nl_ltp", nl_p}, {"nl_ltd", nl_d}, {NULL, 0}},                                             \
     c2c_, 0.0, NULL}

static const xb_device_preset presets[] = {
    /* Ag:a-Si keeps NeuroSim's own RealDevice values (97 LTP / 100 LTD pulses, Cell.cpp). */
    {"agsi", "neurosim",
     "Ag:a-Si, Jo et al. 2010; NeuroSim V3.0 RealDevice defaults (Cell.cpp) and Table II",
     {{"gmax", 3.8462e-8}, {"gmin", 3.0769e-9}, {"p_ltp", 97}, {"p_ltd", 100}, {"nl_ltp", 2.4},
      {"nl_ltd", -4.88}, {NULL, 0}},
     0.035, 0.0, NULL},
    NS("taox_hfox", 128, 0.04, -0.63, 100e3, 10, 0.037,
       "TaOx/HfOx, Wu et al. VLSI 2018; NeuroSim V3.0 Table II"),
    {"pcmo", "neurosim", "PCMO, Park et al. IEDM 2013; NeuroSim V3.0 Table II",
     {{"gmax", 1.0 / 23e6}, {"gmin", 1.0 / 23e6 / 6.84}, {"p_ltp", 50}, {"p_ltd", 50},
      {"nl_ltp", 3.68}, {"nl_ltd", -6.76}, {NULL, 0}},
     0.01, 0.0, "c2c reported as < 1 %; 1 % used"},
    NS("alox_hfo2", 40, 1.94, -0.61, 16.9e3, 4.43, 0.05,
       "AlOx/HfO2, Woo et al. EDL 2016; NeuroSim V3.0 Table II"),
    {"gst_pcm", "neurosim", "GST PCM, Kuzum et al. 2011; NeuroSim V3.0 Table II",
     {{"gmax", 1.0 / 4.71e3}, {"gmin", 1.0 / 4.71e3 / 19.8}, {"p_ltp", 100}, {"p_ltd", 100},
      {"nl_ltp", 0.105}, {"nl_ltd", 2.4}, {NULL, 0}},
     0.015, 0.0, "100-120 states reported; 100 used"},
    NS("epiram", 64, 0.5, -0.5, 81e3, 50.2, 0.02,
       "EpiRAM Ag:SiGe, Choi et al. 2018; NeuroSim V3.0 Table II"),
    {"hzo_fefet", "neurosim", "HZO FeFET, Jerry et al. 2017; NeuroSim V3.0 Table II",
     {{"gmax", 1.0 / 559.28e3}, {"gmin", 1.0 / 559.28e3 / 45}, {"p_ltp", 32}, {"p_ltd", 32},
      {"nl_ltp", 1.75}, {"nl_ltd", 1.46}, {NULL, 0}},
     0.005, 0.0, "c2c reported as < 0.5 %; 0.5 % used"},
    /* aihwkit presets (simulator/presets/devices.py, device-models.md §5.2) on
     * NeuroSim's IdealDevice range; step = dw_min/(w_max - w_min), c2c = dw_min_std * step. */
    {"idealized", "constant_step",
     "aihwkit IdealizedPresetDevice (Gokmen & Vlasov 2016, x8 states): dw_min 2e-4 on [-1, 1]",
     {{"step", 1e-4}, {NULL, 0}}, 0.3 * 1e-4, 0.3, NULL},
    {"gokmen_vlasov", "constant_step",
     "aihwkit GokmenVlasovPresetDevice (Gokmen & Vlasov 2016): dw_min 0.0016 on [-1, 1], 1250 states",
     {{"step", 0.0008}, {NULL, 0}}, 0.3 * 0.0008, 0.3, NULL},
    {"reram_sb", "soft_bounds",
     "aihwkit ReRamSBPresetDevice (Gong et al. Nat. Commun. 2018, loose fit): dw_min 0.002",
     {{"step", 0.001}, {NULL, 0}}, 3.75 * 0.001, 0.3,
     "aihwkit bounds 1.25/-0.75 mapped to symmetric soft bounds"},
    {"reram_es", "exp_step",
     "aihwkit ReRamESPresetDevice (Gong et al. Nat. Commun. 2018): ExpStep",
     {{"step", 0.00135 / 2}, {"up_down", 0.259359}, {"a", -0.5}, {"b", -0.5}, {"gamma_up", 5},
      {"gamma_down", 5}, {"a_up", -1.18445}, {"a_down", -0.081404}, {NULL, 0}},
     5.0 * 0.00135 / 2, 0.3, NULL},
    {"pcm", "exp_step",
     "aihwkit PCMPresetDevice (Nandakumar et al. Front. Neurosci. 2020, GST): one-sided ExpStep",
     /* aihwkit z = -w on w in [0, 2]; with u = w - 1 in [-1, 1]: z = -u - 1 */
     {{"step", 0.005}, {"a", -1}, {"b", -1}, {"gamma_up", 2.5}, {"gamma_down", 2.5},
      {"a_up", -27.235}, {"a_down", -2.235}, {NULL, 0}},
     0.6 * 0.005, 0.2, "dw_min_std_add/slope (complex noise) not modelled"},
    /* aihwkit inference PCM (pcm.py, device-models.md §5.3): SinglePairConductanceConverter
     * range 0..25 µS; xb_device_preset_config switches the statistical model on. */
    {"pcm_nandakumar", "constant_step",
     "aihwkit PCMLikeNoiseModel (Nandakumar et al. ICECS 2019): 0-25 uS, statistical programming/drift/1-f read noise",
     {{"gmin", 0.0}, {"gmax", 25e-6}, {NULL, 0}}, 0.0, 0.0,
     "inference model: pcm_stat on via xb_device_preset_config; pulse response is a plain constant step"},
    {"capacitor", "linear_step",
     "aihwkit CapacitorPresetDevice (Li et al. VLSI 2018): LinearStep",
     {{"step", 0.0025}, {"gamma_up", 0.05}, {"gamma_down", 0.05}, {NULL, 0}}, 0.3 * 0.0025, 0.07,
     "lifetime decay not modelled"},
    {"ecram", "linear_step", "aihwkit EcRamPresetDevice (Tang et al. IEDM 2018): LinearStep",
     {{"step", 0.001}, {"gamma_up", 0.1153}, {"gamma_down", 0.5085}, {NULL, 0}}, 0.3 * 0.001,
     0.05, "bounds 1.1724/-0.8276 mapped to symmetric"},
    /* state-equation parameter sets (device-models.md §1.3, §2.3, §3.2) */
    {"hp_strukov", "linear_drift", "HP TiO2, Strukov et al. Nature 2008 Fig. 2b (no window)",
     {{"ron", 100}, {"roff", 16e3}, {"d", 10e-9}, {"mu_v", 1e-14}, {"window", 0}, {NULL, 0}}, 0.0,
     0.0, NULL},
    {"hp_joglekar", "linear_drift", "HP set with Joglekar window p = 1 (Biolek 2009 SPICE, knowm)",
     {{"ron", 100}, {"roff", 16e3}, {"d", 10e-9}, {"mu_v", 1e-14}, {"window", 1}, {"p", 1},
      {NULL, 0}},
     0.0, 0.0, NULL},
    {"joglekar_knowm", "linear_drift", "knowm Joglekar demo (memristor_joglekar2.sub)",
     {{"ron", 100}, {"roff", 10e3}, {"d", 12e-9}, {"mu_v", 50e-15}, {"window", 1}, {"p", 7},
      {NULL, 0}},
     0.0, 0.0, "demo values"},
    {"biolek_knowm", "linear_drift", "knowm Biolek demo (memristor_biolek.sub)",
     {{"ron", 100}, {"roff", 1e3}, {"d", 16e-9}, {"mu_v", 40e-15}, {"window", 2}, {"p", 7},
      {NULL, 0}},
     0.0, 0.0, "demo values"},
    {"vteam_demo", "vteam", "MemTorch / Technion VTEAM defaults (MemTorch VTEAM.py)",
     {{"ron", 50}, {"roff", 1e3}, {"d", 3e-9}, {"k_on", -10}, {"k_off", 5e-4}, {"alpha_on", 3},
      {"alpha_off", 1}, {"v_on", -0.2}, {"v_off", 0.02}, {NULL, 0}},
     0.0, 0.0, "demo values, not a measured device (device-models.md 2.3d)"},
    {"team_technion", "team", "Technion TEAM Verilog-A defaults with R_on/R_off of the TEAM fit",
     {{"k_on", -8e-13}, {"k_off", 8e-13}, {"alpha_on", 3}, {"alpha_off", 3}, {"i_on", -8.9e-6},
      {"i_off", 115e-6}, {NULL, 0}},
     0.0, 0.0, "demo values, not a fit (device-models.md 2.3c)"},
    {"yakopcic_oblea", "yakopcic",
     "Yakopcic model, Oblea et al. Ag-chalcogenide set (knowm subcircuit; Yakopcic TCAD 2013)",
     {{"a1", 0.17}, {"a2", 0.17}, {"b", 0.05}, {"vp", 0.16}, {"vn", 0.15}, {"ap", 4000},
      {"an", 4000}, {"xp", 0.3}, {"xn", 0.5}, {"alpha_p", 1}, {"alpha_n", 5}, {NULL, 0}},
     0.0, 0.0, "one copy labels Vp/Vn 0.16/0.15 'the problematic parameters' (3.2)"},
    {"stanford_pku_v1", "stanford_pku",
     "Stanford-PKU RRAM v1.0.0 code defaults (Jiang et al. 2014 release; rram_v_1_0_0.va)",
     {{"g0", 0.25e-9}, {"v0_iv", 0.25}, {"i0", 1e-3}, {"vel0", 10}, {"beta", 0.8}, {"gamma0", 16},
      {"ea", 0.6}, {"alpha", 3}, {"gamma0_reset", 16}, {"beta_reset", 0.8}, {"t_ox", 12e-9}, {NULL, 0}},
     0.0, 0.0, "R_th 2.1e3 K/W, gap 0.2-1.7 nm; no compliance current: pulses above ~1.5 V switch abruptly"},
};

size_t xb_device_preset_count(void) { return sizeof presets / sizeof presets[0]; }

const xb_device_preset *xb_device_preset_at(size_t i)
{
    return i < xb_device_preset_count() ? &presets[i] : NULL;
}

static const xb_device_preset *lookup(const char *name)
{
    for (size_t i = 0; name != NULL && i < xb_device_preset_count(); i++) {
        if (strcmp(presets[i].name, name) == 0) {
            return &presets[i];
        }
    }
    return NULL;
}

int xb_device_preset_find(const char *name, const xb_device_type **type_out, void *params_out)
{
    XB_ASSERT_ARG(name != NULL && type_out != NULL && params_out != NULL);
    size_t len = strlen(name);
    if (len > 4 && strcmp(name + len - 4, ".csv") == 0) {
        return xb_device_file_read(name, type_out, params_out);
    }
    const xb_device_preset *p = lookup(name);
    if (p == NULL && xb_device_model_find(name) != NULL) {
        *type_out = xb_device_model_find(name);
        return xb_device_params_default(*type_out, params_out);
    }
    if (p == NULL) {
        return xb__error_set(XB_ENOTFOUND,
                             "no device preset '%s' (see `xbarsim device list`)", name);
    }
    const xb_device_type *type = xb_device_model_find(p->model);
    if (type == NULL) {
        return xb__error_set(XB_EINTERNAL, "preset '%s' names unknown model '%s'", name, p->model);
    }
    memcpy(params_out, type->default_params, type->params_size);
    for (int i = 0; i < 12 && p->set[i].name != NULL; i++) {
        /* set without deriving: the values are consistent only together */
        const xb_device_param *par = NULL;
        if (xb_device_param_find(type, p->set[i].name, &par) < 0) {
            return xb__error_prefix(XB_EINTERNAL, "preset '%s': ", name);
        }
        memcpy((char *)params_out + par->offset, &p->set[i].value, sizeof(double));
    }
    int rc = type->derive != NULL ? type->derive(params_out) : 0;
    if (rc < 0) {
        return xb__error_prefix(rc, "preset '%s': ", name);
    }
    *type_out = type;
    return 0;
}

int xb_device_preset_config(const char *name, xb_device_config *cfg_out, void *params_buf)
{
    XB_ASSERT_ARG(cfg_out != NULL && params_buf != NULL);
    const xb_device_type *type = NULL;
    XB_TRY(xb_device_preset_find(name, &type, params_buf));
    const xb_device_preset *p = lookup(name);
    xb_device_config init = XB_DEVICE_CONFIG_INIT;
    *cfg_out = init;
    cfg_out->type = type;
    cfg_out->params = params_buf;
    cfg_out->c2c = p != NULL ? p->c2c : 0.0;
    cfg_out->d2d_gbounds = p != NULL ? p->d2d : 0.0;
    cfg_out->pcm_stat = xb_device__pcm_preset_mode(name);
    return 0;
}
