# ruff: noqa: E501 (one topic a line reads best)
"""The judged set of the relevance benchmark (bench/relevance_bench.py).

Topics are conditions as the registry records them: the name a study team
writes, the MeSH terms and ancestors that derivedSection carries (from the
public MeSH tree). Each topic has queries a patient might type: a lay
phrase, a misspelling and a Simplified Chinese query. Broader terms are
judged by MeSH ancestor: a trial is relevant to "cancer" when Neoplasms is
among its concepts. Written for this benchmark from public medical
knowledge; no held-out data was seen.
"""

# name | meshes | ancestors | lay query | misspelling | Chinese query
TOPICS = """
Breast Cancer|Breast Neoplasms|Neoplasms by Site;Neoplasms;Breast Diseases;Skin and Connective Tissue Diseases|breast lump|brest cancer|乳腺癌
Non-Small Cell Lung Cancer|Carcinoma, Non-Small-Cell Lung;Lung Neoplasms|Carcinoma, Bronchogenic;Bronchial Neoplasms;Respiratory Tract Neoplasms;Thoracic Neoplasms;Neoplasms by Site;Neoplasms;Lung Diseases;Respiratory Tract Diseases|lung cancer|lung cancr|肺癌
Colorectal Cancer|Colorectal Neoplasms|Intestinal Neoplasms;Gastrointestinal Neoplasms;Digestive System Neoplasms;Neoplasms by Site;Neoplasms;Digestive System Diseases;Gastrointestinal Diseases;Intestinal Diseases|bowel cancer|colorectal cancar|结直肠癌
Prostate Cancer|Prostatic Neoplasms|Genital Neoplasms, Male;Urogenital Neoplasms;Neoplasms by Site;Neoplasms;Prostatic Diseases;Genital Diseases, Male|cancer of the prostate gland|prostrate cancer|前列腺癌
Soft Tissue Sarcoma|Sarcoma;Soft Tissue Neoplasms|Neoplasms, Connective and Soft Tissue;Neoplasms by Histologic Type;Neoplasms;Neoplasms by Site|soft tissue cancer|sarcomma|软组织肉瘤
Hepatocellular Carcinoma|Carcinoma, Hepatocellular;Liver Neoplasms|Adenocarcinoma;Carcinoma;Neoplasms, Glandular and Epithelial;Neoplasms by Histologic Type;Neoplasms;Digestive System Neoplasms;Liver Diseases;Digestive System Diseases|liver cancer|hepatocelular carcinoma|肝癌
Gastric Cancer|Stomach Neoplasms|Gastrointestinal Neoplasms;Digestive System Neoplasms;Neoplasms by Site;Neoplasms;Stomach Diseases;Gastrointestinal Diseases;Digestive System Diseases|stomach cancer|gastic cancer|胃癌
Acute Myeloid Leukemia|Leukemia, Myeloid, Acute|Leukemia, Myeloid;Leukemia;Neoplasms by Histologic Type;Neoplasms|leukaemia|leukemea|白血病
Diffuse Large B-Cell Lymphoma|Lymphoma, Large B-Cell, Diffuse|Lymphoma, B-Cell;Lymphoma, Non-Hodgkin;Lymphoma;Neoplasms by Histologic Type;Neoplasms;Lymphoproliferative Disorders;Lymphatic Diseases|lymph node cancer|lymphona|淋巴瘤
Melanoma|Melanoma|Neuroendocrine Tumors;Neuroectodermal Tumors;Neoplasms, Germ Cell and Embryonal;Neoplasms by Histologic Type;Neoplasms;Nevi and Melanomas|skin cancer|melanomma|黑色素瘤
Glioblastoma|Glioblastoma|Astrocytoma;Glioma;Neoplasms, Neuroepithelial;Neoplasms by Histologic Type;Neoplasms|brain tumour|glioblastome|胶质瘤
Nasopharyngeal Carcinoma|Nasopharyngeal Carcinoma;Nasopharyngeal Neoplasms|Pharyngeal Neoplasms;Otorhinolaryngologic Neoplasms;Head and Neck Neoplasms;Neoplasms by Site;Neoplasms|nose and throat cancer|nasopharyngeal carcinomma|鼻咽癌
Bone Metastases|Neoplasm Metastasis|Neoplastic Processes;Neoplasms;Pathologic Processes|cancer spread to the bones|bone metastazes|骨转移 放疗
Multiple Myeloma|Multiple Myeloma|Neoplasms, Plasma Cell;Neoplasms by Histologic Type;Neoplasms;Paraproteinemias;Hematologic Diseases|bone marrow cancer|multiple myelom|多发性骨髓瘤
Ovarian Cancer|Ovarian Neoplasms|Endocrine Gland Neoplasms;Neoplasms by Site;Neoplasms;Ovarian Diseases;Genital Diseases, Female|cancer of the ovary|ovarain cancer|卵巢癌
Pancreatic Cancer|Pancreatic Neoplasms|Digestive System Neoplasms;Endocrine Gland Neoplasms;Neoplasms by Site;Neoplasms;Pancreatic Diseases;Digestive System Diseases|pancreas cancer|pancreatic cancre|胰腺癌
Cervical Cancer|Uterine Cervical Neoplasms|Uterine Neoplasms;Genital Neoplasms, Female;Neoplasms by Site;Neoplasms;Uterine Diseases|cancer of the cervix|cervical cancor|宫颈癌
Heart Failure|Heart Failure|Heart Diseases;Cardiovascular Diseases|weak heart|hart failure|心力衰竭
Atrial Fibrillation|Atrial Fibrillation|Arrhythmias, Cardiac;Heart Diseases;Cardiovascular Diseases;Pathologic Processes|irregular heartbeat|atrial fibrilation|房颤
Myocardial Infarction|Myocardial Infarction|Infarction;Ischemia;Pathologic Processes;Myocardial Ischemia;Heart Diseases;Cardiovascular Diseases;Vascular Diseases|heart attack|myocardial infraction|心肌梗死
Hypertension|Hypertension|Vascular Diseases;Cardiovascular Diseases|high blood pressure|hypertention|高血压
Acute Ischemic Stroke|Stroke;Ischemic Stroke|Cerebrovascular Disorders;Brain Diseases;Central Nervous System Diseases;Nervous System Diseases;Vascular Diseases;Cardiovascular Diseases|brain attack|ischemic strok|脑卒中
Transient Ischemic Attack|Ischemic Attack, Transient|Brain Ischemia;Cerebrovascular Disorders;Brain Diseases;Central Nervous System Diseases;Nervous System Diseases;Vascular Diseases;Cardiovascular Diseases|mini stroke|transient ischemic atack|小中风
Coronary Artery Disease|Coronary Artery Disease|Coronary Disease;Myocardial Ischemia;Heart Diseases;Cardiovascular Diseases;Arteriosclerosis;Vascular Diseases|hardening of the arteries|coronary artery diseaes|冠心病
Deep Vein Thrombosis|Venous Thrombosis|Thrombosis;Embolism and Thrombosis;Vascular Diseases;Cardiovascular Diseases|blood clot in the leg|deep vein thrombosys|深静脉血栓
Asthma|Asthma|Bronchial Diseases;Respiratory Tract Diseases;Lung Diseases, Obstructive;Lung Diseases;Respiratory Hypersensitivity;Hypersensitivity;Immune System Diseases|wheezing|astma|哮喘
Chronic Obstructive Pulmonary Disease|Pulmonary Disease, Chronic Obstructive|Lung Diseases, Obstructive;Lung Diseases;Respiratory Tract Diseases;Chronic Disease|smoker's lung|chronic obstructive pulmonary diesase|慢阻肺
Community-acquired Pneumonia|Pneumonia|Lung Diseases;Respiratory Tract Diseases;Respiratory Tract Infections;Infections|chest infection|pnemonia|肺炎
Pulmonary Tuberculosis|Tuberculosis;Tuberculosis, Pulmonary|Mycobacterium Infections;Bacterial Infections;Infections;Lung Diseases;Respiratory Tract Diseases|tb|tuberculossis|肺结核
Parkinson Disease|Parkinson Disease|Parkinsonian Disorders;Basal Ganglia Diseases;Brain Diseases;Central Nervous System Diseases;Nervous System Diseases;Movement Disorders;Neurodegenerative Diseases|my father's hands shake and he walks slowly|parkinsons desease|我爸爸手抖 帕金森
Alzheimer Disease|Alzheimer Disease|Dementia;Brain Diseases;Central Nervous System Diseases;Nervous System Diseases;Tauopathies;Neurodegenerative Diseases;Neurocognitive Disorders;Mental Disorders|my mother has memory loss|alzhiemer disease|老年痴呆
Epilepsy|Epilepsy|Brain Diseases;Central Nervous System Diseases;Nervous System Diseases|fits and seizures|epilepsey|癫痫
Migraine|Migraine Disorders|Headache Disorders, Primary;Headache Disorders;Brain Diseases;Central Nervous System Diseases;Nervous System Diseases|bad headaches|migrane|偏头痛
Relapsing Multiple Sclerosis|Multiple Sclerosis|Demyelinating Autoimmune Diseases, CNS;Autoimmune Diseases of the Nervous System;Nervous System Diseases;Demyelinating Diseases;Autoimmune Diseases;Immune System Diseases|ms|multiple sclerosys|多发性硬化
Major Depressive Disorder|Depressive Disorder, Major;Depression|Depressive Disorder;Mood Disorders;Mental Disorders;Behavioral Symptoms|feeling low all the time|depresion|抑郁症
Schizophrenia|Schizophrenia|Schizophrenia Spectrum and Other Psychotic Disorders;Mental Disorders|hearing voices|schizofrenia|精神分裂症
Amyotrophic Lateral Sclerosis|Amyotrophic Lateral Sclerosis|Motor Neuron Disease;Neurodegenerative Diseases;Nervous System Diseases;Spinal Cord Diseases;Central Nervous System Diseases|motor neurone disease|amyotrophic lateral sclerosys|渐冻症
Insomnia|Sleep Initiation and Maintenance Disorders|Sleep Disorders, Intrinsic;Dyssomnias;Sleep Wake Disorders;Nervous System Diseases;Mental Disorders|can't sleep at night|insomina|失眠
Type 2 Diabetes|Diabetes Mellitus, Type 2|Diabetes Mellitus;Endocrine System Diseases;Glucose Metabolism Disorders;Metabolic Diseases;Nutritional and Metabolic Diseases|high blood sugar|diabetis|糖尿病
Obesity|Obesity|Overnutrition;Nutrition Disorders;Nutritional and Metabolic Diseases;Overweight;Body Weight|overweight|obesaty|肥胖
Gout|Gout|Arthritis, Gouty;Arthritis;Rheumatic Diseases;Musculoskeletal Diseases;Joint Diseases;Metabolic Diseases|high uric acid|goutt|痛风
Postmenopausal Osteoporosis|Osteoporosis;Osteoporosis, Postmenopausal|Bone Diseases, Metabolic;Bone Diseases;Musculoskeletal Diseases|brittle bones|osteoporosys|骨质疏松
Rheumatoid Arthritis|Arthritis, Rheumatoid|Arthritis;Joint Diseases;Musculoskeletal Diseases;Rheumatic Diseases;Connective Tissue Diseases;Autoimmune Diseases;Immune System Diseases|painful swollen joints|rheumatoid artritis|类风湿关节炎
Chronic Kidney Disease|Renal Insufficiency, Chronic|Renal Insufficiency;Kidney Diseases;Urologic Diseases|kidney failure|chronic kidny disease|慢性肾病
Kidney Stones|Kidney Calculi;Nephrolithiasis|Urolithiasis;Urologic Diseases;Kidney Diseases;Calculi|stones in the kidney|nephrolithiasys|肾结石
Hydronephrosis|Hydronephrosis|Kidney Diseases;Urologic Diseases|water on the kidney|hydronefrosis|肾积水
Plaque Psoriasis|Psoriasis|Skin Diseases, Papulosquamous;Skin Diseases;Skin and Connective Tissue Diseases|scaly skin patches|psoriasys|银屑病
Atopic Dermatitis|Dermatitis, Atopic;Eczema|Dermatitis;Skin Diseases;Skin Diseases, Genetic;Hypersensitivity, Immediate;Hypersensitivity;Immune System Diseases|eczema in children|atopic dermatitus|湿疹
HIV Infection|HIV Infections|Lentivirus Infections;Retroviridae Infections;RNA Virus Infections;Virus Diseases;Infections;Sexually Transmitted Diseases;Immunologic Deficiency Syndromes|aids|hiv infecton|艾滋病
COVID-19|COVID-19|Pneumonia, Viral;Pneumonia;Respiratory Tract Infections;Infections;Virus Diseases;Coronavirus Infections;Lung Diseases;Respiratory Tract Diseases|coronavirus|coronavirous|新冠肺炎
Chronic Hepatitis B|Hepatitis B;Hepatitis B, Chronic|Hepadnaviridae Infections;DNA Virus Infections;Virus Diseases;Infections;Hepatitis, Viral, Human;Hepatitis;Liver Diseases;Digestive System Diseases|liver infection|hepatitus b|乙肝
Primary Open-Angle Glaucoma|Glaucoma;Glaucoma, Open-Angle|Ocular Hypertension;Eye Diseases|high eye pressure|glaucomma|青光眼
Age-related Cataract|Cataract|Lens Diseases;Eye Diseases|cloudy lens|catarct|白内障
Female Infertility|Infertility;Infertility, Female|Genital Diseases;Urogenital Diseases|trouble getting pregnant|infertilty|不孕症
"""

# Broader queries, judged by a MeSH term among a trial's concepts.
BROADER = {
    "cancer": "Neoplasms",
    "tumor": "Neoplasms",
    "heart disease": "Heart Diseases",
    "cardiovascular disease": "Cardiovascular Diseases",
    "lung disease": "Lung Diseases",
    "brain disease": "Brain Diseases",
    "mental illness": "Mental Disorders",
    "infection": "Infections",
    "viral infection": "Virus Diseases",
    "kidney disease": "Kidney Diseases",
    "eye disease": "Eye Diseases",
    "skin disease": "Skin Diseases",
    "arthritis": "Arthritis",
    "neurodegenerative disease": "Neurodegenerative Diseases",
    "autoimmune disease": "Autoimmune Diseases",
    "blood cancer": "Leukemia;Lymphoma;Multiple Myeloma",
    "dementia": "Dementia",
    "digestive system disease": "Digestive System Diseases",
}
# Chinese broader and multi-word queries, judged the same way.
CHINESE_BROADER = {"癌症": "Neoplasms", "心脏病": "Heart Diseases", "肿瘤 放疗": "Neoplasms"}

DRUGS = [
    "pembrolizumab", "metformin", "semaglutide", "aspirin", "atorvastatin", "radiotherapy",
    "stereotactic body radiotherapy", "chemotherapy", "exercise training",
    "cognitive behavioral therapy", "acupuncture", "vitamin D", "dexamethasone", "nivolumab",
    "probiotics", "a mobile health app", "a dietary intervention", "surgery", "tocilizumab",
]  # fmt: skip
TITLES = [
    "{drug} for {name}",
    "A Study of {drug} in Patients With {name}",
    "{name}: Long-term Outcomes After {drug}",
    "Safety and Efficacy of {drug} in Adults With {name}",
    "Quality of Life in {name}",
    "{drug} Versus Standard Care for {name}",
]
